import type { DeterministicMetric } from './metrics.ts';

/**
 * Calibration statistics that stay where they were accumulated (a GPU's buffers), and the pruning step
 * of one group run there too: scores, top-k and FASP's restoration, with only the kept indices, the
 * restored kept weights and a small report coming back. The WebGPU twin is src/kernels/pruning/resident.ts;
 * the CPU twin of what `prune` computes is scoreGroup → selectTopColumns → restoreCpu (methods.ts) on
 * the float64 `CalibrationStats`, and it keeps the same channels (same ranking rule, topK.ts).
 *
 * A stats sink that can hand its statistics over this way has `finishResident` (layerRunner.ts); the
 * pipeline asks for it only where `residentCapable` says the method needs nothing else of the statistics.
 */
export interface ResidentStats {
  readonly width: number;
  readonly tokens: number;
  /** Scores, selects and (with `restore`) restores one consumer's columns where the statistics live. */
  prune(request: ResidentPruneRequest): Promise<ResidentPruneResult>;
  /** Frees the statistics (the pipeline calls it once the layer is pruned). */
  release(): void;
}

export interface ResidentPruneRequest {
  /** The consumer (fc2 or out_proj): W [dOut, n] in HF layout, and its bias [dOut] (for the bias refit). */
  weight: Float32Array;
  bias?: Float32Array;
  dOut: number;
  n: number;
  /** Columns kept, in [1, n − 1]. */
  keep: number;
  /** Column metric (metrics.ts): FASP's is 'wanda-l1'. */
  metric: DeterministicMetric;
  /**
   * FASP's restoration W'_K = W_K + W_D G_DK (G_KK + λI)⁻¹, λ = δ·mean(diag G_KK), with `refitBias` over X
   * augmented with a constant column (restoration.ts); absent: selection only.
   */
  restore?: { dampingDelta: number; refitBias: boolean };
}

export interface ResidentPruneResult {
  /** Ascending indices of the kept columns. */
  kept: Int32Array;
  /** The first column whose score is NaN or infinite (then nothing was restored): the caller reports it. */
  nonFiniteChannel?: number;
  /** Restoration only: W'_K [dOut, keep]. */
  weightKept?: Float32Array;
  /** The bias refit only: b' [dOut]. */
  bias?: Float32Array;
  lambda?: number;
  relativeResidual?: number;
  timingsMs: { score: number; select: number; restore: number };
}
