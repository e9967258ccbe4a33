import { describe, expect, it } from 'vitest';
import { PAGE_DEFAULTS, paramsFromSettings, remainingIterations, settingsFromParams } from '../../src/lib/monopoly/pageJob.ts';

describe('facility-pricing page settings', () => {
  it('round-trips through URL parameters', () => {
    const settings = { ...PAGE_DEFAULTS, split: 'spatial' as const, seed: 3, radiusM: 1500, lambda: 0.5, workers: 4 };
    const params = new URLSearchParams(Object.entries(paramsFromSettings(settings)).map(([k, v]) => [k, String(v)]));
    expect(settingsFromParams(params)).toEqual(settings);
    expect(settingsFromParams(new URLSearchParams())).toEqual(PAGE_DEFAULTS);
  });

  it('names a bad link setting', () => {
    expect(() => settingsFromParams(new URLSearchParams('tauM=abc'))).toThrow(/tauM/);
    expect(() => settingsFromParams(new URLSearchParams('split=diagonal'))).toThrow(/split/);
    expect(() => settingsFromParams(new URLSearchParams('testFraction=1.5'))).toThrow(/testFraction/);
    expect(() => settingsFromParams(new URLSearchParams('workers=0'))).toThrow(/workers/);
    expect(() => settingsFromParams(new URLSearchParams('workers=2.5'))).toThrow(/workers/);
  });
});

describe('remainingIterations (ETA of the fit)', () => {
  const history = (losses: number[]) => losses.map((loss, i) => ({ iteration: i + 1, loss, gamma: 0, seconds: i }));
  it('extrapolates a geometric decay of the loss change to the tolerance', () => {
    // Changes 100, 10, 1 (ρ = 0.1) at loss ≈ 1000; tolerance 1e-6 → |Δ| ≤ 1e-3 after 3 more iterations.
    expect(remainingIterations(history([1111, 1011, 1001, 1000]), 1e-6, 50)).toBe(3);
  });
  it('never goes past the iteration cap and is at least 1', () => {
    expect(remainingIterations(history([10, 9, 8.5]), 1e-6, 4)).toBe(1);
    expect(remainingIterations(history([10, 10, 10]), 1e-6, 50)).toBe(1);
  });
});
