import type { AttentionValueGroup, CoupledGroup } from './structure.ts';

/**
 * Physical removal (issue #4, §1): new, smaller matrices, not masks. Keeping channels K of a coupled
 * group keeps rows K of the producer (fc1 / v_proj) and their bias entries, and columns K of the
 * consumer (fc2 / out_proj). Value channels remember their head through the new per-head widths.
 */

/**
 * out[r, c] = matrix[rows[r], cols[c]] for a row-major [rows, cols] matrix; an absent index list keeps
 * every row (or column) in order. `diagonal` adds a value to the first `count` diagonal entries (how
 * G_KK + λI is cut out of the Gram). CPU twin of src/kernels/pruning/gather.wgsl.
 */
export function gatherSubmatrix(
  matrix: ArrayLike<number>,
  shape: { rows: number; cols: number },
  indices: { rows?: Int32Array; cols?: Int32Array },
  diagonal: { shift: number; count?: number } = { shift: 0 },
): Float32Array {
  const { rows, cols } = shape;
  if (matrix.length < rows * cols) throw new RangeError(`gather: matrix has ${matrix.length} values, needs ${rows}×${cols}`);
  const rowIndex = indices.rows ?? Int32Array.from({ length: rows }, (_, i) => i);
  const colIndex = indices.cols ?? Int32Array.from({ length: cols }, (_, j) => j);
  for (const r of rowIndex) if (r < 0 || r >= rows) throw new RangeError(`gather: row index ${r} outside [0, ${rows})`);
  for (const c of colIndex) if (c < 0 || c >= cols) throw new RangeError(`gather: column index ${c} outside [0, ${cols})`);
  const out = new Float32Array(rowIndex.length * colIndex.length);
  for (let r = 0; r < rowIndex.length; r++) {
    const source = rowIndex[r] * cols;
    const target = r * colIndex.length;
    for (let c = 0; c < colIndex.length; c++) out[target + c] = matrix[source + colIndex[c]];
    if (r < colIndex.length && r < (diagonal.count ?? rowIndex.length)) out[target + r] += diagonal.shift;
  }
  return out;
}

/** Per-head value widths after keeping the (ascending) channels `kept` of heads laid out as `vHeadDims`. */
export function keptHeadDims(vHeadDims: readonly number[], kept: Int32Array): number[] {
  const ends: number[] = [];
  vHeadDims.reduce((end, dims) => (ends.push(end + dims), end + dims), 0);
  const counts = vHeadDims.map(() => 0);
  let head = 0;
  for (const channel of kept) {
    while (channel >= ends[head]) head++;
    counts[head]++;
  }
  return counts;
}

export interface CompactionInput<G extends CoupledGroup> {
  group: G;
  /** Ascending channel indices to keep. */
  kept: Int32Array;
  /** The consumer's kept columns when a method rewrote them (restoration); gathered from W otherwise. */
  consumerWeightKept?: Float32Array; // [d, |K|]
  consumerBias?: Float32Array; // [d]
}

export function compactGroup<G extends CoupledGroup>({ group, kept, consumerWeightKept, consumerBias }: CompactionInput<G>): G {
  const { width, hiddenSize: d } = group;
  const compacted: CoupledGroup = {
    width: kept.length,
    hiddenSize: d,
    producerWeight: gatherSubmatrix(group.producerWeight, { rows: width, cols: d }, { rows: kept }), // [|K|, d]
    producerBias: gatherSubmatrix(group.producerBias, { rows: width, cols: 1 }, { rows: kept }), // [|K|]
    consumerWeight: consumerWeightKept ?? gatherSubmatrix(group.consumerWeight, { rows: d, cols: width }, { cols: kept }), // [d, |K|]
    consumerBias: consumerBias ?? group.consumerBias.slice(),
  };
  if ('vHeadDims' in group) {
    const attention: AttentionValueGroup = { ...compacted, vHeadDims: keptHeadDims((group as unknown as AttentionValueGroup).vHeadDims, kept) };
    return attention as unknown as G;
  }
  return compacted as G;
}
