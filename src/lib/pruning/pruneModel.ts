import { neverCancelled, type CancelFlag } from '../cancel.ts';
import type { ProgressCallback } from '../progress.ts';
import type { OptRuntime } from '../opt/runtime.ts';
import { batchWindows, windowsPerBatch, type PruneCalibration } from './calibration.ts';
import type { AllocationMode } from './allocation.ts';
import type { Granularity } from './heads.ts';
import type { StatsFactory } from './layerRunner.ts';
import { applyPrunedLayers } from './layerRunner.ts';
import type { RestorationSolver } from './methods.ts';
import { OptLayerRunner } from './optLayerRunner.ts';
import { optParameterCounts, parameterReduction, type ParameterCounts } from './parameterCounts.ts';
import { prune, type LayerReport, type PhaseTimingsMs, type PruneOptions } from './pipeline.ts';
import type { PrunedConfigFields } from './prunedConfig.ts';

/**
 * Pruning a loaded OPT model end to end (CLI, worker, study and benchmark share it): the calibration
 * windows run in batches through the sequential pipeline (pipeline.ts) on the runtime's own layers,
 * and only when it has finished are the pruned layers installed. A cancelled or failed run leaves the
 * runtime's model exactly as it was.
 */
/** Where statistics accumulate and the restoration is solved. */
export interface PruneKernels {
  /** Takes Float32Array chunks, and the runtime's own handles too when `activationsOnDevice`. */
  stats: StatsFactory<Float32Array> | StatsFactory<Float32Array | GPUBuffer>;
  solver?: RestorationSolver;
  /**
   * The statistics take the runtime's captured activations as they are (GPU buffers on WebGPU), so
   * nothing is read back to feed them (gpuPruneKernels; a CPU runtime still hands over its arrays).
   */
  activationsOnDevice?: boolean;
}

export interface PruneModelOptions extends Omit<PruneOptions, 'stats' | 'solver'> {
  /** tfPruneKernels on tfjs-wasm (either backend), or gpuPruneKernels on a WebGPU runtime. */
  kernels: PruneKernels;
  /** Calibration tokens per batch through the model (default about 2048). */
  tokensPerBatch?: number;
}

export interface PruneModelResult {
  method: PruneOptions['method'];
  sparsity: number;
  allocation: AllocationMode;
  /** Whole heads or single value channels in the attention group (labelled in the page, CLI and study). */
  granularity: Granularity;
  calibration: { label: string; windows: number; seqLen: number; tokens: number };
  params: { before: ParameterCounts; after: ParameterCounts; reduction: ReturnType<typeof parameterReduction> };
  widths: PrunedConfigFields;
  reports: LayerReport[];
  timingsMs: PhaseTimingsMs;
}

export async function pruneOptModel<H>(
  runtime: OptRuntime<H>,
  calibration: PruneCalibration,
  options: PruneModelOptions,
  progress: ProgressCallback = () => {},
  cancel: CancelFlag = neverCancelled,
): Promise<PruneModelResult> {
  const before = optParameterCounts(runtime.config);
  const { kernels, tokensPerBatch, ...pruneOptions } = options;
  const batches = batchWindows(calibration.windows, windowsPerBatch(calibration.seqLen, tokensPerBatch));
  const runner = new OptLayerRunner(runtime, calibration.seqLen, { activationsOnDevice: kernels.activationsOnDevice });
  // The runner hands over Float32Arrays, or the runtime's handles where the kernels said they take them.
  const stats = kernels.stats as StatsFactory<Float32Array | H>;
  let result;
  try {
    result = await prune(runner, batches, { ...pruneOptions, stats, solver: kernels.solver }, progress, cancel);
  } finally {
    await runner.restoreDense();
  }
  await applyPrunedLayers(runner, result.layers);
  const after = optParameterCounts(runtime.config);
  return {
    method: result.method,
    sparsity: result.sparsity,
    allocation: result.allocation,
    granularity: result.granularity,
    calibration: { label: calibration.label, windows: calibration.windows.length, seqLen: calibration.seqLen, tokens: result.calibrationTokens },
    params: { before, after, reduction: parameterReduction(before, after) },
    widths: result.config,
    reports: result.reports,
    timingsMs: result.timingsMs,
  };
}
