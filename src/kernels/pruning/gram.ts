import type { GpuContext } from '../gpu.ts';
import { ceilDiv, defineKernel } from '../kernel.ts';
import { uniforms } from '../uniforms.ts';
import source from './gram.wgsl?raw';

/** GPU twin of `gramAccumulateCpu` (src/lib/pruning/calibrationStats.ts): gram (+)= xᵀx. */
export const gramKernel = defineKernel({
  name: 'pruning.gram',
  source,
  uniforms: uniforms({ rows: 'u32', n: 'u32' }),
});

const TILE = 64;

export interface GramBuffers {
  /** A chunk of activations [rows, n]. */
  x: GPUBuffer;
  /** [n, n]; allocated (and overwritten) when absent. */
  gram?: GPUBuffer;
}

export function runGram(gpu: GpuContext, buffers: GramBuffers, shape: { rows: number; n: number; accumulate?: boolean }): GPUBuffer {
  const { rows, n } = shape;
  const accumulate = shape.accumulate ?? true;
  if (accumulate && !buffers.gram) throw new RangeError('gram: accumulate needs an existing Gram buffer');
  const gram = buffers.gram ?? gpu.acquire(n * n * 4, undefined, 'gram');
  const tiles = ceilDiv(n, TILE);
  gpu.dispatch({
    kernel: gramKernel,
    constants: { ACCUMULATE: accumulate },
    uniforms: { rows, n },
    bindings: [buffers.x, gram],
    workgroups: [tiles, tiles],
  });
  return gram;
}
