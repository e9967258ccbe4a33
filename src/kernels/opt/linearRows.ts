import type { GpuContext } from '../gpu.ts';
import { defineKernel } from '../kernel.ts';
import { uniforms } from '../uniforms.ts';
import { grid2d } from './grid.ts';
import source from './linearRows.wgsl?raw';

/**
 * GPU linear layer for at most LINEAR_ROWS_MAX rows; same semantics as `matmulCpu(x, W, { m, n, k,
 * transB: true }, bias)` (src/lib/linalg/matmul.ts), its CPU twin.
 */
export const linearRowsKernel = defineKernel({
  name: 'opt.linearRows',
  source,
  uniforms: uniforms({ m: 'u32', n: 'u32', k: 'u32' }),
});

export const LINEAR_ROWS_MAX = 8;

export function runLinearRows(
  gpu: GpuContext,
  buffers: { x: GPUBuffer; weight: GPUBuffer; bias?: GPUBuffer; out?: GPUBuffer },
  shape: { m: number; n: number; k: number },
): GPUBuffer {
  if (shape.m < 1 || shape.m > LINEAR_ROWS_MAX) throw new RangeError(`linearRows takes 1…${LINEAR_ROWS_MAX} rows, got ${shape.m}`);
  const out = buffers.out ?? gpu.acquire(shape.m * shape.n * 4, undefined, 'linearRows.out');
  gpu.dispatch({
    kernel: linearRowsKernel,
    constants: { HAS_BIAS: buffers.bias !== undefined },
    uniforms: shape,
    bindings: [buffers.x, buffers.weight, buffers.bias ?? gpu.emptyBinding, out],
    workgroups: grid2d(gpu, shape.n),
  });
  return out;
}
