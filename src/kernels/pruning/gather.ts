import type { GpuContext } from '../gpu.ts';
import { ceilDiv, defineKernel } from '../kernel.ts';
import { uniforms } from '../uniforms.ts';
import source from './gather.wgsl?raw';

/** GPU twin of `gatherSubmatrix` (src/lib/pruning/compaction.ts), diagonal shift included. */
export const gatherKernel = defineKernel({
  name: 'pruning.gather',
  source,
  uniforms: uniforms({ sourceCols: 'u32', outRows: 'u32', outCols: 'u32', diagonalShift: 'f32', shiftedDiagonal: 'u32' }),
});

export interface GatherInput {
  source: GPUBuffer;
  /** u32 row indices [outRows]; every row in order when absent. */
  rows?: GPUBuffer;
  /** u32 column indices [outCols]; every column in order when absent. */
  cols?: GPUBuffer;
  out?: GPUBuffer;
}

export function runGather(
  gpu: GpuContext,
  input: GatherInput,
  shape: { sourceCols: number; outRows: number; outCols: number; diagonalShift?: number; shiftedDiagonal?: number },
): GPUBuffer {
  const { sourceCols, outRows, outCols } = shape;
  const out = input.out ?? gpu.acquire(Math.max(1, outRows * outCols) * 4, undefined, 'gather.out');
  gpu.dispatch({
    kernel: gatherKernel,
    constants: { GATHER_ROWS: input.rows !== undefined, GATHER_COLS: input.cols !== undefined },
    uniforms: { sourceCols, outRows, outCols, diagonalShift: shape.diagonalShift ?? 0, shiftedDiagonal: shape.shiftedDiagonal ?? outRows },
    bindings: [input.source, input.rows ?? gpu.emptyBinding, input.cols ?? gpu.emptyBinding, out],
    workgroups: [ceilDiv(outCols, 16), ceilDiv(outRows, 16)],
  });
  return out;
}

/** A coupled group's four tensors on the GPU (HF layout, see src/lib/pruning/structure.ts). */
export interface GroupBuffers {
  producerWeight: GPUBuffer; // [width, d]
  producerBias: GPUBuffer; // [width]
  consumerWeight: GPUBuffer; // [d, width]
  consumerBias: GPUBuffer; // [d]
}

/**
 * Compaction of a coupled group into new buffers (twin of `compactGroup`, src/lib/pruning/compaction.ts):
 * rows K of the producer and its bias, columns K of the consumer; the consumer bias is shared.
 */
export function compactGroupGpu(gpu: GpuContext, group: GroupBuffers, kept: GPUBuffer, shape: { width: number; hiddenSize: number; keepCount: number }): GroupBuffers {
  const { width, hiddenSize: d, keepCount } = shape;
  return {
    producerWeight: runGather(gpu, { source: group.producerWeight, rows: kept }, { sourceCols: d, outRows: keepCount, outCols: d }),
    producerBias: runGather(gpu, { source: group.producerBias, rows: kept }, { sourceCols: 1, outRows: keepCount, outCols: 1 }),
    consumerWeight: runGather(gpu, { source: group.consumerWeight, cols: kept }, { sourceCols: width, outRows: d, outCols: keepCount }),
    consumerBias: group.consumerBias,
  };
}
