import type { GpuContext } from '../gpu.ts';
import { defineKernel } from '../kernel.ts';
import { uniforms } from '../uniforms.ts';
import { grid2d } from './grid.ts';
import kernelSource from './nll.wgsl?raw';
import workgroupReduce from './workgroupReduce.wgsl?raw';

/** GPU twin of `accumulateNllCpu` + `finishNllCpu` (src/lib/opt/ops/nll.ts). */
export const nllKernel = defineKernel({
  name: 'opt.nll',
  source: kernelSource + workgroupReduce,
  uniforms: uniforms({ rows: 'u32', chunkStart: 'u32', chunkWidth: 'u32' }),
});

export interface NllBuffers {
  /** [rows, chunkWidth] logits of vocabulary ids chunkStart … chunkStart + chunkWidth − 1. */
  logits: GPUBuffer;
  /** u32 [rows]. */
  targets: GPUBuffer;
  /** f32 [rows, 3] carried from chunk to chunk. */
  state: GPUBuffer;
  /** f32 [rows], written by the last chunk. */
  nll: GPUBuffer;
}

export function runNllChunk(
  gpu: GpuContext,
  buffers: NllBuffers,
  chunk: { rows: number; start: number; width: number; first: boolean; last: boolean },
): void {
  gpu.dispatch({
    kernel: nllKernel,
    constants: { FIRST: chunk.first, LAST: chunk.last },
    uniforms: { rows: chunk.rows, chunkStart: chunk.start, chunkWidth: chunk.width },
    bindings: [buffers.logits, buffers.targets, buffers.state, buffers.nll],
    workgroups: grid2d(gpu, chunk.rows),
  });
}
