import type { GpuContext } from '../gpu.ts';
import { defineKernel } from '../kernel.ts';
import { uniforms } from '../uniforms.ts';
import { weightReaderSource, type WeightPrecision } from '../weightPrecision.ts';
import { grid2d } from './grid.ts';
import source from './linearRows.wgsl?raw';

const linearRowsUniforms = uniforms({ m: 'u32', n: 'u32', k: 'u32' });

/**
 * GPU linear layer for at most LINEAR_ROWS_MAX rows; same semantics as `matmulCpu(x, W, { m, n, k,
 * transB: true }, bias)` (src/lib/linalg/matmul.ts), its CPU twin. The f16 variant reads W from halves
 * packed two per u32 (packHalves) and accumulates in f32: its twin is matmulCpu on roundToHalf(W).
 */
export const linearRowsKernels = {
  f32: defineKernel({ name: 'opt.linearRows', source: source + weightReaderSource.f32, uniforms: linearRowsUniforms }),
  f16: defineKernel({ name: 'opt.linearRows.f16W', source: source + weightReaderSource.f16, uniforms: linearRowsUniforms }),
} satisfies Record<WeightPrecision, unknown>;

export const linearRowsKernel = linearRowsKernels.f32;

export const LINEAR_ROWS_MAX = 8;

export function runLinearRows(
  gpu: GpuContext,
  buffers: { x: GPUBuffer; weight: GPUBuffer; bias?: GPUBuffer; out?: GPUBuffer; weightPrecision?: WeightPrecision },
  shape: { m: number; n: number; k: number },
): GPUBuffer {
  if (shape.m < 1 || shape.m > LINEAR_ROWS_MAX) throw new RangeError(`linearRows takes 1…${LINEAR_ROWS_MAX} rows, got ${shape.m}`);
  const out = buffers.out ?? gpu.acquire(shape.m * shape.n * 4, undefined, 'linearRows.out');
  gpu.dispatch({
    kernel: linearRowsKernels[buffers.weightPrecision ?? 'f32'],
    constants: { HAS_BIAS: buffers.bias !== undefined },
    uniforms: shape,
    bindings: [buffers.x, buffers.weight, buffers.bias ?? gpu.emptyBinding, out],
    workgroups: grid2d(gpu, shape.n),
  });
  return out;
}
