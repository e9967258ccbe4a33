import type { PruneKernels } from '../../lib/pruning/pruneModel.ts';
import type { GpuContext } from '../gpu.ts';
import { gpuRestorationSolver } from './restore.ts';
import { gpuStatsFactory } from './stats.ts';

/**
 * The pruning pipeline's kernels on a WebGPU runtime (issue #4, "Pipeline and kernels"), the GPU
 * counterpart of `tfPruneKernels` (src/lib/pruning/tfDenseProduct.ts):
 * - stats: the runtime's captured activation buffers go straight in (`activationsOnDevice`: no
 *   read-back); colReduce.wgsl adds their column sums and squared norms and gram.wgsl adds XᵀX into
 *   buffers that stay on the GPU. Where the method allows (`residentCapable`, methods.ts: FASP without
 *   the bias refit, the wanda-metric selections), the group is scored, selected and restored there
 *   (`finishResident`, resident.ts) and only K, W'_K and a small report come back; otherwise `finish`
 *   reads the statistics back for the CPU-side method.
 * - solver: FASP's restoration by the blocked Cholesky in WGSL (restore.ts), in f32, for the groups
 *   whose statistics were read back (the bias refit): it uploads W and the augmented Gram.
 * Their CPU twins are CalibrationStatsAccumulator, scoreGroup/selectTopColumns and restoreCpu (float64).
 */
export function gpuPruneKernels(gpu: GpuContext): PruneKernels {
  return { stats: gpuStatsFactory(gpu), solver: gpuRestorationSolver(gpu), activationsOnDevice: true };
}
