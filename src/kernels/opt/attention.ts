import type { GpuContext } from '../gpu.ts';
import { defineKernel } from '../kernel.ts';
import { uniforms } from '../uniforms.ts';
import { grid2d } from './grid.ts';
import kernelSource from './attention.wgsl?raw';
import workgroupReduce from './workgroupReduce.wgsl?raw';

/** GPU twin of `attentionCpu` (src/lib/opt/ops/attention.ts). */
export const attentionKernel = defineKernel({
  name: 'opt.attention',
  source: kernelSource + workgroupReduce,
  uniforms: uniforms({
    batch: 'u32',
    queryLen: 'u32',
    keyLen: 'u32',
    keyStride: 'u32',
    numHeads: 'u32',
    headDim: 'u32',
    vDim: 'u32',
    activeCount: 'u32',
    scale: 'f32',
  }),
});

/** Workgroup-memory bounds of the kernel (OPT: ≤ 2048 positions, head_dim ≤ 128). */
export const ATTENTION_MAX_KEYS = 2048;
export const ATTENTION_MAX_HEAD_DIM = 256;

export interface AttentionHeads {
  /** u32 [numHeads + 1]: prefix sums of the value widths. */
  vOffsets: GPUBuffer;
  /** u32 list of the heads with at least one value channel. */
  activeHeads: GPUBuffer;
  activeCount: number;
  vDim: number;
}

/** Uploads a layer's head table (once per layer, again when pruned widths are swapped in). */
export function uploadAttentionHeads(gpu: GpuContext, vOffsets: readonly number[]): AttentionHeads {
  const active: number[] = [];
  for (let h = 0; h + 1 < vOffsets.length; h++) if (vOffsets[h + 1] > vOffsets[h]) active.push(h);
  return {
    vOffsets: gpu.upload(Uint32Array.from(vOffsets)),
    activeHeads: gpu.upload(Uint32Array.from(active.length > 0 ? active : [0])),
    activeCount: active.length,
    vDim: vOffsets[vOffsets.length - 1],
  };
}

export interface AttentionShape {
  batch: number;
  queryLen: number;
  keyLen: number;
  /** Rows between sequences in k and v; default keyLen. */
  keyStride?: number;
  numHeads: number;
  headDim: number;
  scale: number;
}

/** out [batch·queryLen, vDim]; nothing is dispatched when no head keeps a value channel. */
export function runAttention(
  gpu: GpuContext,
  buffers: { q: GPUBuffer; k: GPUBuffer; v: GPUBuffer; heads: AttentionHeads; out?: GPUBuffer },
  shape: AttentionShape,
): GPUBuffer {
  const { heads } = buffers;
  const rows = shape.batch * shape.queryLen;
  const out = buffers.out ?? gpu.acquire(Math.max(1, rows * heads.vDim) * 4, undefined, 'attention.out');
  if (shape.keyLen > ATTENTION_MAX_KEYS) throw new RangeError(`attention over ${shape.keyLen} keys exceeds the kernel's ${ATTENTION_MAX_KEYS}`);
  if (shape.headDim > ATTENTION_MAX_HEAD_DIM) throw new RangeError(`head_dim ${shape.headDim} exceeds the kernel's ${ATTENTION_MAX_HEAD_DIM}`);
  if (shape.queryLen > shape.keyLen) throw new RangeError(`attention: ${shape.queryLen} queries but only ${shape.keyLen} keys`);
  if (heads.activeCount === 0) return out;
  gpu.dispatch({
    kernel: attentionKernel,
    uniforms: {
      batch: shape.batch,
      queryLen: shape.queryLen,
      keyLen: shape.keyLen,
      keyStride: shape.keyStride ?? shape.keyLen,
      numHeads: shape.numHeads,
      headDim: shape.headDim,
      vDim: heads.vDim,
      activeCount: heads.activeCount,
      scale: shape.scale,
    },
    bindings: [buffers.q, buffers.k, buffers.v, heads.vOffsets, heads.activeHeads, out],
    workgroups: grid2d(gpu, rows * heads.activeCount),
  });
  return out;
}
