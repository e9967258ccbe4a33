import type { GpuContext } from '../gpu.ts';

/**
 * Workgroup counts for `count` workgroups laid out on a 2-D grid: WebGPU allows at most
 * `maxComputeWorkgroupsPerDimension` (usually 65 535) per dimension, and calibration batches reach
 * hundreds of thousands of rows. Kernels recover the flat index as `group.y * groups.x + group.x`
 * and skip indices ≥ count.
 */
export function grid2d(gpu: GpuContext, count: number): [number, number] {
  const maxPerDim = gpu.limits.maxComputeWorkgroupsPerDimension;
  if (count <= maxPerDim) return [count, 1];
  const y = Math.ceil(count / maxPerDim);
  return [Math.ceil(count / y), y];
}
