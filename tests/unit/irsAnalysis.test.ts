import { describe, expect, it } from 'vitest';
import { elementSplit, singleVsDouble, snrVsElements, snrVsPosition, type LineSetup, type XY } from '../../src/lib/irs/analysis.ts';
import { dbToLinear, dbmToWatts, wavelengthM } from '../../src/lib/irs/units.ts';

// Fu & Zhang's parameters, IRSs 1 m beside the 30 m line.
const setup: LineSetup = {
  distanceM: 30,
  offsetM: 1,
  beta0: dbToLinear(-43),
  wavelengthM: wavelengthM(3.5e9),
  powerW: dbmToWatts(20),
  noiseW: dbmToWatts(-80),
  ampPowerW: dbmToWatts(4),
  ampNoiseW: dbmToWatts(-80),
  passiveElements: 600,
  activeElements: 450,
};

const argmax = (points: XY[]) => points.filter((p) => Number.isFinite(p.y)).reduce((best, p) => (p.y > best.y ? p : best));
const argmin = (points: XY[]) => points.reduce((best, p) => (p.y < best.y ? p : best));
const slopeDbPerDecade = (points: XY[], from: number, to: number) => {
  const a = points.find((p) => p.x >= from)!;
  const b = points.find((p) => p.x >= to)!;
  return (b.y - a.y) / Math.log10(b.x / a.x);
};

describe('analysis curves', () => {
  it('passive is best near either end and worst mid-way; active is best nearer the receiver', () => {
    const curves = snrVsPosition(setup);
    const passiveBest = argmax(curves.passive).x;
    expect(passiveBest === 0 || passiveBest === 30).toBe(true);
    expect(argmin(curves.passive).x).toBeCloseTo(15, 0);
    expect(argmax(curves.active).x).toBeGreaterThan(15);
    // with h = 1 m, d₁ ≥ 1 m > 0.948 m, so η ≥ 1 everywhere
    expect(curves.etaOneAtM).toBeNull();
  });

  it('marks the stretch next to the Tx where an active IRS cannot amplify (η < 1)', () => {
    const curves = snrVsPosition({ ...setup, offsetM: 0.2 });
    // η = 1 at d₁ = 0.9476 m: x = √(0.9476² − 0.2²) = 0.926 m
    expect(curves.etaOneAtM).toBeGreaterThan(0.9);
    expect(curves.etaOneAtM).toBeLessThan(1.2);
    expect(curves.active.filter((p) => p.x < 0.9).every((p) => Number.isNaN(p.y))).toBe(true);
  });

  it('passive SNR grows 20 dB per decade of N (N²), active 10 dB (N), and the far-field cap bends the passive curve', () => {
    const curves = snrVsElements(setup, 25);
    expect(slopeDbPerDecade(curves.passive, 100, 10_000)).toBeCloseTo(20, 6);
    // active: SNR = P·P_F·N·g₁g₂/(P_F·g₂·σ_F² + σ²(P·g₁ + σ_F²)), linear in N while η ≥ 1 …
    expect(slopeDbPerDecade(curves.active, 100, 10_000)).toBeCloseTo(10, 6);
    // … which fails once N·P·g₁ > P_F: N > 2.511886e-3 / (0.1 · 5.011872e-5/626) ≈ 3.1e5
    expect(Number.isNaN(curves.active.at(-1)!.y)).toBe(true);
    const small = curves.passiveBounded.find((p) => p.x >= 100)!;
    expect(small.y).toBeCloseTo(curves.passive.find((p) => p.x >= 100)!.y, 9);
    expect(curves.passiveBounded.at(-1)!.y).toBeLessThan(curves.passive.at(-1)!.y - 1);
  });

  it('double reflection overtakes a single IRS at N* = 4·√(g₁ᵤ/(g₁₂·g₂ᵤ)) ≈ 4h·√((D²)/(β₀(D² + h²)))', () => {
    const curves = singleVsDouble(setup);
    // 4·√(D²h²/(β₀(D² + h²))) = 4·√(900/(5.011872e-5 · 901)) = 564.7
    expect(curves.crossoverElements).toBeCloseTo(564.7, 0);
    const below = curves.single.findIndex((p) => p.x > curves.crossoverElements) - 1;
    expect(curves.double[below].y).toBeLessThan(curves.single[below].y);
    expect(curves.double.at(-1)!.y).toBeGreaterThan(curves.single.at(-1)!.y);
  });

  it('the equal split maximises the double-reflection SNR', () => {
    const curve = elementSplit(setup, 600);
    expect(argmax(curve).x).toBeCloseTo(0.5, 9);
    expect(Number.isNaN(curve[0].y)).toBe(true); // N₁ = 0: no double-reflection path
    expect(curve[25].y).toBeCloseTo(curve[75].y, 9); // symmetric
  });
});
