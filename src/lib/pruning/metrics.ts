import { Rng } from '../util/random.ts';
import type { CalibrationStats } from './calibrationStats.ts';

/**
 * Column scores of a consumer matrix W [dOut, n] (fc2 or out_proj), one per input channel j; the
 * highest scores are kept. X is that matrix's calibration input (one row per token).
 *
 *   wanda        S_j = ‖X_{:,j}‖₂ · Σ_i |W_{i,j}|     (FASP's metric, Wanda-inspired; `norm: 'l1'`)
 *                S_j = ‖X_{:,j}‖₂ · ‖W_{:,j}‖₂        (`norm: 'l2'`)
 *   magnitude    S_j = ‖W_{:,j}‖₂                     (no calibration)
 *   fluctuation  S_j = Var(X_{:,j}) · ‖W_{:,j}‖₂²      (FLAP, An et al. 2024; variance over tokens, 1/T)
 *   random       S_j ~ U[0, 1), seeded
 */
export type WeightNorm = 'l1' | 'l2';

export type ColumnMetric =
  | { kind: 'wanda'; norm: WeightNorm }
  | { kind: 'magnitude' }
  | { kind: 'fluctuation' }
  | { kind: 'random'; seed: number };

/** Per-column reduction of W over its rows i: Σ_i |W_ij| or Σ_i W_ij², in float64. */
export function weightColumnReduce(weight: Float32Array, dOut: number, n: number, reduction: 'abssum' | 'sumsq'): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < dOut; i++) {
    const row = i * n;
    if (reduction === 'abssum') for (let j = 0; j < n; j++) out[j] += Math.abs(weight[row + j]);
    else for (let j = 0; j < n; j++) out[j] += weight[row + j] * weight[row + j];
  }
  return out;
}

/**
 * The per-column sums a score is made of. Both the CPU path and the GPU twin (columnScore.wgsl) get
 * them from column reductions (src/kernels/colReduce.wgsl on the GPU) and combine them here.
 */
export interface ScoreInputs {
  /** Σ_t X_{t,j}² (wanda, fluctuation). */
  activationSumSq?: ArrayLike<number>;
  /** Σ_t X_{t,j} (fluctuation). */
  activationSum?: ArrayLike<number>;
  /** Σ_i |W_ij| for wanda-l1, Σ_i W_ij² otherwise. */
  weightReduction: ArrayLike<number>;
  tokens: number;
}

export type DeterministicMetric = 'wanda-l1' | 'wanda-l2' | 'magnitude' | 'fluctuation';

export function metricCode(metric: Exclude<ColumnMetric, { kind: 'random' }>): DeterministicMetric {
  return metric.kind === 'wanda' ? (metric.norm === 'l1' ? 'wanda-l1' : 'wanda-l2') : metric.kind;
}

/** Which reduction of W over its rows a metric needs. */
export function weightReductionFor(metric: DeterministicMetric): 'abssum' | 'sumsq' {
  return metric === 'wanda-l1' ? 'abssum' : 'sumsq';
}

/** CPU twin of the column-score kernel (src/kernels/pruning/columnScore.wgsl). */
export function combineScores(metric: DeterministicMetric, inputs: ScoreInputs): Float64Array {
  const w = inputs.weightReduction;
  const n = w.length;
  const scores = new Float64Array(n);
  const sumSq = inputs.activationSumSq;
  const sum = inputs.activationSum;
  if ((metric === 'wanda-l1' || metric === 'wanda-l2' || metric === 'fluctuation') && (!sumSq || sumSq.length !== n)) {
    throw new RangeError(`metric ${metric}: needs activation sums of squares for ${n} columns`);
  }
  if (metric === 'fluctuation' && (!sum || sum.length !== n)) throw new RangeError(`metric fluctuation: needs activation sums for ${n} columns`);
  for (let j = 0; j < n; j++) {
    switch (metric) {
      case 'wanda-l1':
        scores[j] = Math.sqrt(sumSq![j]) * w[j];
        break;
      case 'wanda-l2':
        scores[j] = Math.sqrt(sumSq![j]) * Math.sqrt(w[j]);
        break;
      case 'magnitude':
        scores[j] = Math.sqrt(w[j]);
        break;
      case 'fluctuation': {
        const T = inputs.tokens;
        const mean = T > 0 ? sum![j] / T : 0;
        const variance = T > 0 ? Math.max(0, sumSq![j] / T - mean * mean) : 0;
        scores[j] = variance * w[j];
        break;
      }
    }
  }
  return scores;
}

export function columnScores(
  metric: ColumnMetric,
  consumer: { weight: Float32Array; dOut: number; n: number },
  stats: CalibrationStats | undefined,
): Float64Array {
  const { weight, dOut, n } = consumer;
  if (metric.kind === 'random') {
    const rng = new Rng(metric.seed);
    return Float64Array.from({ length: n }, () => rng.next());
  }
  const needsStats = metric.kind === 'wanda' || metric.kind === 'fluctuation';
  if (needsStats && (!stats || stats.width !== n)) {
    throw new RangeError(`metric ${metric.kind}: needs calibration statistics of width ${n}, got ${stats?.width ?? 'none'}`);
  }
  const code = metricCode(metric);
  return combineScores(code, {
    activationSumSq: stats?.colSumSq,
    activationSum: stats?.colSum,
    weightReduction: weightColumnReduce(weight, dOut, n, weightReductionFor(code)),
    tokens: stats?.tokens ?? 0,
  });
}

/**
 * A seed per (run seed, layer, group), so the random baseline draws different channels in every layer
 * and the same ones for the same seed.
 */
export function layerSeed(seed: number, layer: number, group: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(layer + 1, 0xc2b2ae35) + group * 0x27d4eb2f) >>> 0;
}
