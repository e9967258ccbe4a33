import type { ColumnReduction } from '../lib/linalg/colReduce.ts';
import type { GpuContext } from './gpu.ts';
import { ceilDiv, defineKernel } from './kernel.ts';
import { uniforms } from './uniforms.ts';
import source from './colReduce.wgsl?raw';

/** GPU twin of `colReduceCpu` (src/lib/linalg/colReduce.ts). */
export const colReduceKernel = defineKernel({
  name: 'colReduce',
  source,
  uniforms: uniforms({ rows: 'u32', cols: 'u32', rowsPerBlock: 'u32' }),
});

const REDUCTION_CODE: Record<ColumnReduction, number> = { sum: 0, sumsq: 1, abssum: 2 };
/** Rows one workgroup sums before the work is split across more workgroups. */
const ROWS_PER_BLOCK = 256;
const MAX_ROW_BLOCKS = 64;

export interface ColReduceBuffers {
  matrix: GPUBuffer;
  /** [cols]; allocated when absent. With `accumulate`, results are added to its contents. */
  out?: GPUBuffer;
}

export function runColReduce(
  gpu: GpuContext,
  buffers: ColReduceBuffers,
  shape: { rows: number; cols: number; reduction: ColumnReduction; accumulate?: boolean },
): GPUBuffer {
  const { rows, cols, reduction } = shape;
  const accumulate = shape.accumulate ?? false;
  if (accumulate && !buffers.out) throw new RangeError('colReduce: accumulate needs an existing output buffer');
  const out = buffers.out ?? gpu.acquire(cols * 4, undefined, 'colReduce.out');
  const rowBlocks = Math.min(MAX_ROW_BLOCKS, Math.max(1, ceilDiv(rows, ROWS_PER_BLOCK)));
  const rowsPerBlock = ceilDiv(rows, rowBlocks);
  const columnGroups = ceilDiv(cols, 64);
  if (rowBlocks === 1) {
    gpu.dispatch({
      kernel: colReduceKernel,
      constants: { REDUCTION: REDUCTION_CODE[reduction], ACCUMULATE: accumulate },
      uniforms: { rows, cols, rowsPerBlock },
      bindings: [buffers.matrix, out],
      workgroups: [columnGroups, 1],
    });
    return out;
  }
  // Two passes: partial reductions per row block, then their plain sum into the output.
  const partials = gpu.acquire(rowBlocks * cols * 4, undefined, 'colReduce.partials');
  gpu.dispatch({
    kernel: colReduceKernel,
    constants: { REDUCTION: REDUCTION_CODE[reduction], ACCUMULATE: false },
    uniforms: { rows, cols, rowsPerBlock },
    bindings: [buffers.matrix, partials],
    workgroups: [columnGroups, rowBlocks],
  });
  gpu.dispatch({
    kernel: colReduceKernel,
    constants: { REDUCTION: REDUCTION_CODE.sum, ACCUMULATE: accumulate },
    uniforms: { rows: rowBlocks, cols, rowsPerBlock: rowBlocks },
    bindings: [partials, out],
    workgroups: [columnGroups, 1],
  });
  gpu.release(partials);
  return out;
}
