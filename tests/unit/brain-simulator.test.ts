import { describe, expect, it } from 'vitest';
import { SIMULATOR_DEFAULTS, simulateSubjects, subjectMaps, type SimulatorConfig } from '../../src/lib/brain/simulator.ts';
import { blurOnSheet, shiftOnSheet, smoothMaps } from '../../src/lib/brain/sheet.ts';
import { subjectSimilarity, zscoreVoxels } from '../../src/lib/brain/dataset.ts';
import { Rng } from '../../src/lib/util/random.ts';

const n = 120;
const d = 16;
const rng = new Rng(3);
const features = rng.fillNormal(new Float32Array(n * d));

function correlation(a: Float32Array, b: Float32Array): number {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= a.length;
  mb /= b.length;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

function config(overrides: Partial<SimulatorConfig>): SimulatorConfig {
  return { ...SIMULATOR_DEFAULTS, sheet: { width: 16, height: 16 }, smoothness: 1, nonlinearity: 'linear', noise: 0, noiseSpread: 0, clusters: 1, clusterShare: 0, subjects: 8, seed: 1, ...overrides };
}

/** Mean correlation over all subject pairs (those `keep` accepts), across stimuli and voxels. */
function meanPairCorrelation(cfg: SimulatorConfig, keep: (a: number, b: number) => boolean = () => true): number {
  const data = simulateSubjects(features, n, d, cfg);
  const values: number[] = [];
  for (let a = 0; a < data.subjects.length; a++) {
    for (let b = a + 1; b < data.subjects.length; b++) {
      if (keep(data.subjects[a].cluster!, data.subjects[b].cluster!)) values.push(correlation(data.subjects[a].responses, data.subjects[b].responses));
    }
  }
  return values.reduce((x, y) => x + y, 0) / values.length;
}

describe('brain simulator', () => {
  it('two subjects’ responses correlate as ρ says (linear g, no noise, no clusters)', () => {
    for (const rho of [0, 0.3, 0.8, 1]) expect(meanPairCorrelation(config({ similarity: rho }))).toBeCloseTo(rho, 1);
  });
  it('noise of σ scales the correlation by 1/(1 + σ²)', () => {
    expect(meanPairCorrelation(config({ similarity: 0.8, noise: 1 }))).toBeCloseTo(0.4, 1);
  });
  it('members of one cluster share γ of the rest: ρ + (1 − ρ)γ within, ρ across', () => {
    const cfg = config({ similarity: 0.2, clusters: 2, clusterShare: 0.5, subjects: 12 });
    expect(meanPairCorrelation(cfg, (a, b) => a === b)).toBeCloseTo(0.6, 1);
    expect(meanPairCorrelation(cfg, (a, b) => a !== b)).toBeCloseTo(0.2, 1);
  });
  it('is seeded: the same seed gives the same subjects, another seed others', () => {
    const a = simulateSubjects(features, n, d, config({ similarity: 0.5, noise: 0.5 }));
    const b = simulateSubjects(features, n, d, config({ similarity: 0.5, noise: 0.5 }));
    const c = simulateSubjects(features, n, d, config({ similarity: 0.5, noise: 0.5, seed: 2 }));
    expect(b.subjects[3].responses).toEqual(a.subjects[3].responses);
    expect(c.subjects[3].responses).not.toEqual(a.subjects[3].responses);
  });
  it('gives each subject a noise level within noise·[1 − spread, 1 + spread]', () => {
    const { noise } = subjectMaps(config({ noise: 2, noiseSpread: 0.5, subjects: 20 }), d);
    for (const s of noise) {
      expect(s).toBeGreaterThanOrEqual(1);
      expect(s).toBeLessThanOrEqual(3);
    }
    expect(new Set(noise).size).toBe(20);
  });
  it('misalignment lowers the voxelwise similarity of otherwise identical subjects', () => {
    const aligned = meanPairCorrelation(config({ similarity: 1 }));
    const shifted = meanPairCorrelation(config({ similarity: 1, shift: 3 }));
    expect(aligned).toBeCloseTo(1, 5);
    expect(shifted).toBeLessThan(0.9);
  });
  it('keeps each subject’s noise-free map of feature 1, identical for all subjects at ρ = 1', () => {
    const same = simulateSubjects(features, n, d, config({ similarity: 1 }));
    expect(same.subjects[0].encodingMap).toHaveLength(256);
    expect(same.subjects[4].encodingMap).toEqual(same.subjects[0].encodingMap);
    const apart = simulateSubjects(features, n, d, config({ similarity: 0 }));
    expect(apart.subjects[4].encodingMap).not.toEqual(apart.subjects[0].encodingMap);
  });
  it('refuses a similarity outside [0, 1]', () => {
    expect(() => subjectMaps(config({ similarity: 1.2 }), d)).toThrow(/similarity ρ must be in \[0, 1\]/);
  });
});

describe('the sheet', () => {
  it('smooth maps have unit variance and neighbours that correlate; blurring keeps the mean', () => {
    const sheet = { width: 16, height: 16 };
    const maps = smoothMaps(sheet, 4, 2, new Rng(1));
    let sum = 0;
    let sq = 0;
    let neighbour = 0;
    for (let v = 0; v < 256; v++) {
      sum += maps[v * 4];
      sq += maps[v * 4] ** 2;
      neighbour += maps[v * 4] * maps[(Math.floor(v / 16) * 16 + ((v + 1) % 16)) * 4];
    }
    expect(sum / 256).toBeCloseTo(0, 10);
    expect(sq / 256).toBeCloseTo(1, 10);
    expect(neighbour / 256).toBeGreaterThan(0.7);
    const flat = Float64Array.from({ length: 256 }, (_, i) => i % 7);
    const mean = flat.reduce((a, b) => a + b) / 256;
    expect(blurOnSheet(flat, sheet, 1.5).reduce((a, b) => a + b) / 256).toBeCloseTo(mean, 10);
  });
  it('a shift rolls the sheet around the torus', () => {
    const rows = Float64Array.from({ length: 12 }, (_, i) => i); // 4 × 3 sheet, one column
    const shifted = shiftOnSheet(rows, 1, { width: 4, height: 3 }, 1, 0);
    expect(Array.from(shifted.slice(0, 4))).toEqual([3, 0, 1, 2]);
  });
});

describe('preprocessing and subject similarity', () => {
  it('z-scores each voxel and leaves a constant voxel at 0', () => {
    const z = zscoreVoxels(Float32Array.from([1, 5, 3, 5, 5, 5]), 3, 2);
    expect(Array.from(z)).toEqual([-Math.sqrt(1.5), 0, 0, 0, Math.sqrt(1.5), 0].map((v) => Math.fround(v)));
  });
  it('subject similarity is the mean cosine over the given stimuli', () => {
    const a = Float32Array.from([1, 0, 1, 1]);
    const b = Float32Array.from([1, 0, -1, -1]);
    expect(subjectSimilarity(a, b, 2, [0])).toBeCloseTo(1);
    expect(subjectSimilarity(a, b, 2, [0, 1])).toBeCloseTo(0);
  });
});
