import { weightReductionFor, type DeterministicMetric } from '../../lib/pruning/metrics.ts';
import { runColReduce } from '../colReduce.ts';
import type { GpuContext } from '../gpu.ts';
import { ceilDiv, defineKernel } from '../kernel.ts';
import { uniforms } from '../uniforms.ts';
import source from './columnScore.wgsl?raw';

/** GPU twin of `combineScores` (src/lib/pruning/metrics.ts). */
export const columnScoreKernel = defineKernel({
  name: 'pruning.columnScore',
  source,
  uniforms: uniforms({ n: 'u32', tokens: 'f32' }),
});

const METRIC_CODE: Record<DeterministicMetric, number> = { 'wanda-l1': 0, 'wanda-l2': 1, magnitude: 2, fluctuation: 3 };

export interface ColumnScoreBuffers {
  /** Σ_t X_tj² [n] (wanda, fluctuation). */
  activationSumSq?: GPUBuffer;
  /** Σ_t X_tj [n] (fluctuation). */
  activationSum?: GPUBuffer;
  /** Σ_i |W_ij| for wanda-l1, Σ_i W_ij² otherwise [n]. */
  weightReduction: GPUBuffer;
  scores?: GPUBuffer;
}

export function runColumnScore(gpu: GpuContext, buffers: ColumnScoreBuffers, shape: { n: number; tokens: number; metric: DeterministicMetric }): GPUBuffer {
  const { n, tokens, metric } = shape;
  const scores = buffers.scores ?? gpu.acquire(n * 4, undefined, 'columnScore.scores');
  gpu.dispatch({
    kernel: columnScoreKernel,
    constants: { METRIC: METRIC_CODE[metric] },
    uniforms: { n, tokens },
    bindings: [buffers.activationSumSq ?? gpu.emptyBinding, buffers.activationSum ?? gpu.emptyBinding, buffers.weightReduction, scores],
    workgroups: [ceilDiv(n, 256)],
  });
  return scores;
}

/**
 * Scores of the columns of a consumer weight W [dOut, n] already on the GPU: W's column reduction
 * (colReduce.wgsl), then the combination with the activation sums.
 */
export function columnScoresGpu(
  gpu: GpuContext,
  buffers: { weight: GPUBuffer; activationSumSq?: GPUBuffer; activationSum?: GPUBuffer },
  shape: { dOut: number; n: number; tokens: number; metric: DeterministicMetric },
): GPUBuffer {
  const weightReduction = runColReduce(gpu, { matrix: buffers.weight }, { rows: shape.dOut, cols: shape.n, reduction: weightReductionFor(shape.metric) });
  const scores = runColumnScore(gpu, { ...buffers, weightReduction }, shape);
  gpu.release(weightReduction);
  return scores;
}
