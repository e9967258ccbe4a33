import { resolveMatmul, type MatmulOptions } from '../lib/linalg/matmul.ts';
import type { GpuContext } from './gpu.ts';
import { ceilDiv, defineKernel } from './kernel.ts';
import { uniforms } from './uniforms.ts';
import source from './matmul.wgsl?raw';

/** GPU matmul; semantics, layouts and strides exactly as `matmulCpu` (src/lib/linalg/matmul.ts). */
export const matmulKernel = defineKernel({
  name: 'matmul',
  source,
  uniforms: uniforms({ m: 'u32', n: 'u32', k: 'u32', batchStrideA: 'u32', batchStrideB: 'u32' }),
});

const TILE = 64;

export interface MatmulBuffers {
  a: GPUBuffer;
  b: GPUBuffer;
  bias?: GPUBuffer;
  /** Output [batch, m, n]; allocated from the pool when absent. */
  out?: GPUBuffer;
}

/** Records C = op(A)·op(B) (+ bias) and returns C's buffer; nothing is submitted until a flush or read. */
export function runMatmul(gpu: GpuContext, buffers: MatmulBuffers, options: MatmulOptions): GPUBuffer {
  const s = resolveMatmul(options);
  const out = buffers.out ?? gpu.acquire(s.batch * s.m * s.n * 4, undefined, 'matmul.out');
  gpu.dispatch({
    kernel: matmulKernel,
    constants: { TRANS_A: s.transA, TRANS_B: s.transB, HAS_BIAS: buffers.bias !== undefined },
    uniforms: { m: s.m, n: s.n, k: s.k, batchStrideA: s.batchStrideA, batchStrideB: s.batchStrideB },
    bindings: [buffers.a, buffers.b, buffers.bias ?? gpu.emptyBinding, out],
    workgroups: [ceilDiv(s.n, TILE), ceilDiv(s.m, TILE), s.batch],
  });
  return out;
}
