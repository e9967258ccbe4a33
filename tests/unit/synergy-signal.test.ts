import { describe, expect, it } from 'vitest';
import { butterworth, filtfilt, magnitudeAt } from '../../src/lib/synergy/filters.ts';
import { envelope, timeNormalise, DEFAULT_ENVELOPE } from '../../src/lib/synergy/envelope.ts';
import { parseCsv } from '../../src/lib/synergy/parseCsv.ts';
import { parseExp } from '../../src/lib/synergy/parseExp.ts';
import { defaultMuscles, selectMuscles } from '../../src/lib/synergy/recording.ts';
import { readFileSync } from 'node:fs';

/** Analog Butterworth magnitude after the bilinear transform with pre-warping. */
function digitalButterworth(f: number, fc: number, fs: number, order: number, kind: 'lowpass' | 'highpass'): number {
  const ratio = Math.tan((Math.PI * f) / fs) / Math.tan((Math.PI * fc) / fs);
  return 1 / Math.sqrt(1 + (kind === 'lowpass' ? ratio : 1 / ratio) ** (2 * order));
}

describe('Butterworth filters (fili design)', () => {
  it('match SciPy butter(4, 100, fs=1000) second-order sections', () => {
    const sections = butterworth({ kind: 'lowpass', order: 4, cutoffHz: 100, sampleRateHz: 1000 });
    // scipy.signal.butter(4, 100, fs=1000, output='sos') denominators, in some order.
    const denominators = sections.map((s) => [s.a1, s.a2]).sort((x, y) => x[0] - y[0]);
    expect(denominators[0][0]).toBeCloseTo(-1.32091343, 7);
    expect(denominators[0][1]).toBeCloseTo(0.63273879, 7);
    expect(denominators[1][0]).toBeCloseTo(-1.04859958, 7);
    expect(denominators[1][1]).toBeCloseTo(0.29614036, 7);
  });
  for (const kind of ['lowpass', 'highpass'] as const) {
    it(`${kind} gain equals the Butterworth formula at chosen frequencies (−3 dB at the corner)`, () => {
      const fc = kind === 'lowpass' ? 450 : 20;
      const sections = butterworth({ kind, order: 4, cutoffHz: fc, sampleRateHz: 1000 });
      for (const f of [5, 10, 20, 40, 100, 250, 400, 450, 480]) {
        expect(magnitudeAt(sections, f, 1000)).toBeCloseTo(digitalButterworth(f, fc, 1000, 4, kind), 9);
      }
      expect(magnitudeAt(sections, fc, 1000)).toBeCloseTo(Math.SQRT1_2, 9);
    });
  }
  it('zero-phase filtering of sines has gain |H|² and no delay', () => {
    const fs = 1000;
    const sections = butterworth({ kind: 'lowpass', order: 4, cutoffHz: 6, sampleRateHz: fs });
    for (const f of [2, 6, 12]) {
      const n = 6000;
      const x = Float64Array.from({ length: n }, (_, j) => Math.sin((2 * Math.PI * f * j) / fs));
      const y = filtfilt(sections, x);
      // Amplitude by projection on the sine and cosine over the middle (edge transients excluded).
      let sin = 0;
      let cos = 0;
      for (let j = 2000; j < 4000; j++) {
        sin += y[j] * Math.sin((2 * Math.PI * f * j) / fs);
        cos += y[j] * Math.cos((2 * Math.PI * f * j) / fs);
      }
      const gain = (2 / 2000) * Math.hypot(sin, cos);
      expect(gain).toBeCloseTo(magnitudeAt(sections, f, fs) ** 2, 2);
      expect(Math.abs(cos) / Math.abs(sin || 1)).toBeLessThan(0.02);
    }
  });
  it('rejects cut-offs above Nyquist and odd orders', () => {
    expect(() => butterworth({ kind: 'lowpass', order: 4, cutoffHz: 600, sampleRateHz: 1000 })).toThrow(/Nyquist/);
    expect(() => butterworth({ kind: 'lowpass', order: 3, cutoffHz: 10, sampleRateHz: 1000 })).toThrow(/even/);
  });
});

describe('envelope pipeline', () => {
  it('turns amplitude-modulated noise into its envelope (offset removed, rectified, smoothed)', () => {
    const fs = 1000;
    const n = 4000;
    let seed = 1;
    const noise = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31 - 0.5;
    };
    const data = new Float32Array(n);
    for (let j = 0; j < n; j++) data[j] = 3 + (j < 2000 ? 1 : 0.25) * noise() * 4;
    const env = envelope({ name: 'x', sampleRateHz: fs, muscles: ['AD'], samples: n, data }, DEFAULT_ENVELOPE);
    expect(env.sampleRateHz).toBe(100);
    const early = env.data.slice(50, 150).reduce((a, b) => a + b, 0) / 100;
    const late = env.data.slice(250, 350).reduce((a, b) => a + b, 0) / 100;
    expect(early / late).toBeGreaterThan(3);
    expect(early / late).toBeLessThan(5);
    expect(env.data.every((v) => v >= 0)).toBe(true);
  });
  it('time-normalises cycles to 0–100 % by linear interpolation', () => {
    const data = Float32Array.from([0, 1, 2, 3, 4, 10, 20, 30]); // 1 muscle, 8 samples
    const out = timeNormalise(data, 1, [{ start: 0, end: 5 }, { start: 5, end: 8 }], 3);
    expect(Array.from(out)).toEqual([0, 2, 4, 10, 20, 30]);
  });
  it('rejects negative envelopes with a clear message', () => {
    const recording = { name: 'env.csv', sampleRateHz: 100, muscles: ['AD'], samples: 3, data: Float32Array.from([0.1, -0.2, 0.3]) };
    expect(() => envelope(recording, { ...DEFAULT_ENVELOPE, raw: false })).toThrow(/AD is negative .* at sample 1/);
  });
});

describe('.exp and CSV parsing', () => {
  const header = '  \t// User name\n1000.000\t// Measurement rate\n\nFrame #\tAD\tMD\t\n';
  it('reads the shipped Seth et al. trial', () => {
    const recording = parseExp(readFileSync('public/datasets/shoulder-emg-seth2019/abd01.exp', 'utf8'), 'abd01.exp');
    expect(recording.sampleRateHz).toBe(1000);
    expect(recording.muscles).toHaveLength(14);
    expect(recording.samples).toBe(10910);
    expect(recording.data[0]).toBeCloseTo(-0.785217, 6);
    expect(defaultMuscles(recording.muscles)).toEqual(['AD', 'MD', 'PD', 'PM_Clav', 'TS', 'SA', 'LatD', 'Infra']);
  });
  it('reads a small .exp file with a trailing tab', () => {
    const r = parseExp(`${header}0\t1.5\t-2\t\n1\t2.5\t-3\t\n`, 'x.exp');
    expect(r.muscles).toEqual(['AD', 'MD']);
    expect(Array.from(r.data)).toEqual([1.5, 2.5, -2, -3]);
  });
  it('names the row of a bad .exp row, a NaN, and a missing header', () => {
    expect(() => parseExp(`${header}0\t1.5\t\n`, 'x.exp')).toThrow(/x\.exp, row 5: 2 cells, expected 3/);
    expect(() => parseExp(`${header}0\t1.5\t-2\n1\tNaN\t3\n`, 'x.exp')).toThrow(/row 6, column AD: "NaN" is not a finite decimal/);
    expect(() => parseExp('1000\t// Measurement rate\n0\t1\n', 'x.exp')).toThrow(/no "Frame #" header/);
    expect(() => parseExp('Frame #\tAD\n0\t1\n1\t2\n', 'x.exp')).toThrow(/Measurement rate/);
  });
  it('reads a CSV and infers the sample rate from the time column', () => {
    const r = parseCsv('time,AD,MD\n0,1,2\n0.01,3,4\n0.02,5,6\n', 'e.csv');
    expect(r.sampleRateHz).toBeCloseTo(100, 9);
    expect(Array.from(r.data)).toEqual([1, 3, 5, 2, 4, 6]);
  });
  it('names missing columns, NaN, text and uneven time in CSV errors', () => {
    expect(() => parseCsv('time,AD,MD\n0,1,2\n0.01,3\n', 'e.csv')).toThrow(/row 3: 2 cells, expected 3/);
    expect(() => parseCsv('time,AD,MD\n0,1,2\n0.01,NaN,4\n', 'e.csv')).toThrow(/row 3, column AD: "NaN" is not a finite decimal/);
    expect(() => parseCsv('time,AD\n0,1\n0.01,abc\n', 'e.csv')).toThrow(/column AD: "abc"/);
    expect(() => parseCsv('time,AD\n0,1\n0.01,2\n0.05,3\n', 'e.csv')).toThrow(/uneven time step/);
    expect(() => parseCsv('0,1\n0.01,2\n', 'e.csv')).toThrow(/first row is data/);
  });
  it('selects muscles by name and says which exist', () => {
    const r = parseCsv('time,AD,MD,PD\n0,1,2,3\n0.01,4,5,6\n', 'e.csv');
    expect(selectMuscles(r, ['pd', 'AD']).muscles).toEqual(['PD', 'AD']);
    expect(() => selectMuscles(r, ['XX'])).toThrow(/no muscle called "XX"/);
  });
});
