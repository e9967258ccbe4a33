import { resolveMatmul, type MatmulOptions } from '../lib/linalg/matmul.ts';
import type { GpuContext } from './gpu.ts';
import { ceilDiv, defineKernel } from './kernel.ts';
import { uniforms } from './uniforms.ts';
import { weightReaderSource, type WeightPrecision } from './weightPrecision.ts';
import source from './matmul.wgsl?raw';

const matmulUniforms = uniforms({ m: 'u32', n: 'u32', k: 'u32', batchStrideA: 'u32', batchStrideB: 'u32' });

/**
 * GPU matmul; semantics, layouts and strides exactly as `matmulCpu` (src/lib/linalg/matmul.ts). The f16
 * variant reads B from halves packed two per u32 (packHalves) and computes in f32: its CPU twin is
 * matmulCpu with B rounded through f16 (roundToHalf).
 */
export const matmulKernels = {
  f32: defineKernel({ name: 'matmul', source: source + weightReaderSource.f32, uniforms: matmulUniforms }),
  f16: defineKernel({ name: 'matmul.f16B', source: source + weightReaderSource.f16, uniforms: matmulUniforms }),
} satisfies Record<WeightPrecision, unknown>;

export const matmulKernel = matmulKernels.f32;

const TILE = 64;

export interface MatmulBuffers {
  a: GPUBuffer;
  b: GPUBuffer;
  bias?: GPUBuffer;
  /** How B is stored (default f32); 'f16': halves packed two per u32 (packHalves, src/lib/util/half.ts). */
  bPrecision?: WeightPrecision;
  /** Output [batch, m, n]; allocated from the pool when absent. */
  out?: GPUBuffer;
}

/** Records C = op(A)·op(B) (+ bias) and returns C's buffer; nothing is submitted until a flush or read. */
export function runMatmul(gpu: GpuContext, buffers: MatmulBuffers, options: MatmulOptions): GPUBuffer {
  const s = resolveMatmul(options);
  const out = buffers.out ?? gpu.acquire(s.batch * s.m * s.n * 4, undefined, 'matmul.out');
  gpu.dispatch({
    kernel: matmulKernels[buffers.bPrecision ?? 'f32'],
    constants: { TRANS_A: s.transA, TRANS_B: s.transB, HAS_BIAS: buffers.bias !== undefined },
    uniforms: { m: s.m, n: s.n, k: s.k, batchStrideA: s.batchStrideA, batchStrideB: s.batchStrideB },
    bindings: [buffers.a, buffers.b, buffers.bias ?? gpu.emptyBinding, out],
    workgroups: [ceilDiv(s.n, TILE), ceilDiv(s.m, TILE), s.batch],
  });
  return out;
}
