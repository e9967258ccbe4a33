import { Rng } from '../util/random.ts';
import type { BrainDataset, BrainSubject } from './dataset.ts';
import { shiftOnSheet, smoothMaps, voxelCount, type Sheet } from './sheet.ts';

/**
 * Simulated subjects watching the same stimuli (docs/brain.md). For subject s in cluster k(s):
 *   E_s = √γ·C_k + √(1−γ)·F_s                       (γ = clusterShare: what a cluster's members share)
 *   A_s = √ρ·A_shared + √(1−ρ)·E_s                  [V, d]  (ρ = similarity)
 *   r_s(i) = g(A_s z_i / √d) + σ_s·ε                [V]     (ε ~ N(0, I), z_i standardised)
 * A_shared, C_k and F_s are independent smooth maps on the sheet (each column a blurred white-noise
 * field with unit variance), so two subjects' linear responses correlate ρ across clusters and
 * ρ + (1−ρ)γ within one. Misalignment rolls subject s's maps by a small random shift of the sheet.
 */
export type Nonlinearity = 'linear' | 'tanh' | 'softplus';
export const NONLINEARITIES: readonly Nonlinearity[] = ['linear', 'tanh', 'softplus'];

export interface SimulatorConfig {
  subjects: number;
  sheet: Sheet;
  similarity: number; // ρ ∈ [0, 1]
  clusters: number; // ≥ 1
  clusterShare: number; // γ ∈ [0, 1]
  noise: number; // mean σ_s, relative to the unit-variance signal
  noiseSpread: number; // σ_s uniform in noise·[1 − spread, 1 + spread]
  smoothness: number; // σ of the maps' Gaussian blur, in voxels
  shift: number; // largest misalignment in voxels (0 = none)
  nonlinearity: Nonlinearity;
  seed: number;
}

export const SIMULATOR_DEFAULTS: Omit<SimulatorConfig, 'subjects'> = {
  sheet: { width: 32, height: 32 },
  similarity: 0.8,
  clusters: 4,
  clusterShare: 0.5,
  noise: 1,
  noiseSpread: 0.5,
  smoothness: 1.5,
  shift: 0,
  nonlinearity: 'tanh',
  seed: 0,
};

const applyG: Record<Nonlinearity, (u: number) => number> = {
  linear: (u) => u,
  tanh: (u) => Math.tanh(u),
  softplus: (u) => Math.log1p(Math.exp(u)),
};

export function checkSimulatorConfig(config: SimulatorConfig): void {
  const bad = (message: string) => new RangeError(message);
  if (!Number.isInteger(config.subjects) || config.subjects < 1) throw bad(`subjects must be an integer ≥ 1, got ${config.subjects}`);
  if (!(config.similarity >= 0 && config.similarity <= 1)) throw bad(`the similarity ρ must be in [0, 1], got ${config.similarity}`);
  if (!Number.isInteger(config.clusters) || config.clusters < 1) throw bad(`clusters must be an integer ≥ 1, got ${config.clusters}`);
  if (!(config.clusterShare >= 0 && config.clusterShare <= 1)) throw bad(`the cluster share γ must be in [0, 1], got ${config.clusterShare}`);
  if (!(config.noise >= 0)) throw bad(`noise must be ≥ 0, got ${config.noise}`);
  if (!(config.noiseSpread >= 0 && config.noiseSpread <= 1)) throw bad(`noise spread must be in [0, 1], got ${config.noiseSpread}`);
  if (!(config.smoothness >= 0)) throw bad(`smoothness must be ≥ 0, got ${config.smoothness}`);
  if (!Number.isInteger(config.shift) || config.shift < 0) throw bad(`shift must be an integer ≥ 0, got ${config.shift}`);
  const { width, height } = config.sheet;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 4 || height < 1 || width * height > 16384) {
    throw bad(`the sheet must be integer-sized with 4 ≤ width and width·height ≤ 16384, got ${width} × ${height}`);
  }
  if (!NONLINEARITIES.includes(config.nonlinearity)) throw bad(`nonlinearity must be one of ${NONLINEARITIES.join(', ')}, got "${config.nonlinearity}"`);
}

/** Standardises each feature over the stimuli (mean 0, variance 1): [n, d] → [n, d] f64. */
export function standardiseFeatures(features: ArrayLike<number>, n: number, d: number): Float64Array {
  const out = new Float64Array(n * d);
  for (let k = 0; k < d; k++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += features[i * d + k];
    mean /= n;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += (features[i * d + k] - mean) ** 2;
    const scale = variance > 0 ? 1 / Math.sqrt(variance / n) : 0;
    for (let i = 0; i < n; i++) out[i * d + k] = (features[i * d + k] - mean) * scale;
  }
  return out;
}

/** Subjects' encoding maps A_s [V, d] (voxel-major), with their clusters and noise levels. */
export function subjectMaps(config: SimulatorConfig, d: number): { maps: Float64Array[]; clusters: number[]; noise: number[] } {
  checkSimulatorConfig(config);
  const { sheet, smoothness, similarity: rho, clusterShare: gamma } = config;
  const rng = new Rng(0x6b7a1 + 7919 * config.seed);
  const shared = smoothMaps(sheet, d, smoothness, rng);
  const clusterMaps = Array.from({ length: config.clusters }, () => smoothMaps(sheet, d, smoothness, rng));
  const maps: Float64Array[] = [];
  const clusters: number[] = [];
  const noise: number[] = [];
  const sRho = Math.sqrt(rho);
  const sOwn = Math.sqrt(1 - rho);
  for (let s = 0; s < config.subjects; s++) {
    const cluster = rng.int(config.clusters);
    const own = smoothMaps(sheet, d, smoothness, rng);
    const map = new Float64Array(own.length);
    const c = clusterMaps[cluster];
    for (let j = 0; j < map.length; j++) map[j] = sRho * shared[j] + sOwn * (Math.sqrt(gamma) * c[j] + Math.sqrt(1 - gamma) * own[j]);
    const dx = config.shift > 0 ? rng.int(2 * config.shift + 1) - config.shift : 0;
    const dy = config.shift > 0 && sheet.height > 1 ? rng.int(2 * config.shift + 1) - config.shift : 0;
    maps.push(shiftOnSheet(map, d, sheet, dx, dy));
    clusters.push(cluster);
    noise.push(config.noise * (1 + config.noiseSpread * (2 * rng.next() - 1)));
  }
  return { maps, clusters, noise };
}

/**
 * Responses of `config.subjects` simulated subjects to stimuli with features `features` [n, d]:
 * the dataset the experiment runs on. Features are standardised before A_s z; the targets kept in the
 * dataset are the features as given.
 */
export function simulateSubjects(features: Float32Array, n: number, d: number, config: SimulatorConfig): BrainDataset {
  const { maps, clusters, noise } = subjectMaps(config, d);
  const z = standardiseFeatures(features, n, d);
  const v = voxelCount(config.sheet);
  const g = applyG[config.nonlinearity];
  const scale = 1 / Math.sqrt(d);
  const subjects: BrainSubject[] = maps.map((map, s) => {
    const rng = new Rng(0x5eed + 104729 * config.seed + 31 * s);
    const responses = new Float32Array(n * v);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < v; j++) {
        let u = 0;
        for (let k = 0; k < d; k++) u += map[j * d + k] * z[i * d + k];
        responses[i * v + j] = g(u * scale) + noise[s] * rng.normal();
      }
    }
    const encodingMap = Float32Array.from({ length: v }, (_, j) => map[j * d]);
    return { id: `S${s + 1}`, responses, cluster: clusters[s], noise: noise[s], encodingMap };
  });
  return { nStimuli: n, voxels: v, sheet: config.sheet, featureDim: d, features, subjects };
}
