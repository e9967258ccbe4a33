import type { StatsFactory } from '../../lib/pruning/layerRunner.ts';
import type { RestorationSolver } from '../../lib/pruning/methods.ts';
import type { GpuContext } from '../gpu.ts';
import { gpuRestorationSolver } from './restore.ts';
import { gpuStatsFactory } from './stats.ts';

/**
 * The pruning pipeline's kernels on a WebGPU runtime (issue #4, "Pipeline and kernels"), the GPU
 * counterpart of `tfPruneKernels` (src/lib/pruning/tfDenseProduct.ts):
 * - stats: each captured activation chunk is uploaded once; colReduce.wgsl adds its column sums and
 *   squared norms and gram.wgsl adds XᵀX into buffers that stay on the GPU until `finish` reads them.
 * - solver: FASP's restoration by the blocked Cholesky in WGSL (restore.ts), in f32.
 * Their CPU twins are CalibrationStatsAccumulator and restoreCpu (both float64).
 */
export function gpuPruneKernels(gpu: GpuContext): { stats: StatsFactory<Float32Array>; solver: RestorationSolver } {
  return { stats: gpuStatsFactory(gpu), solver: gpuRestorationSolver(gpu) };
}
