import { InputError } from '../errors.ts';

/** Sparsity s is the fraction of channels removed; the issue bounds it to [0, 0.9]. */
export const MAX_SPARSITY = 0.9;

export function validateSparsity(sparsity: unknown, field = 'sparsity'): number {
  if (typeof sparsity !== 'number' || !Number.isFinite(sparsity) || sparsity < 0 || sparsity > MAX_SPARSITY) {
    throw new InputError(`${field} must be a number in [0, ${MAX_SPARSITY}]`, `got ${String(sparsity)}`);
  }
  return sparsity;
}

/**
 * Channels kept of `width` at sparsity s: width − round(s·width), i.e. the top (1 − s)·width, and at
 * least one, so no matrix ends up with a zero dimension.
 */
export function keepCountFor(width: number, sparsity: number): number {
  if (width === 0) return 0;
  return Math.max(1, width - Math.round(sparsity * width));
}

/**
 * Order in which columns are kept: score descending, ties broken by the lower index, and NaN ranked
 * below everything (as −∞). The GPU's bitonic sort (src/kernels/pruning/bitonicSort.wgsl) sorts by the
 * same key, so both paths keep exactly the same columns.
 */
export function rankColumns(scores: ArrayLike<number>): Int32Array {
  const order = Int32Array.from({ length: scores.length }, (_, j) => j);
  const key = (j: number) => (Number.isNaN(scores[j]) ? -Infinity : scores[j]);
  order.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka > kb ? -1 : ka < kb ? 1 : a - b;
  });
  return order;
}

/**
 * The `keep` best columns, in ascending index order (so value channels stay grouped head by head).
 * CPU twin of the GPU selection (bitonicSort.wgsl + keptIndices.wgsl).
 */
export function selectTopColumns(scores: ArrayLike<number>, keep: number): Int32Array {
  if (!Number.isInteger(keep) || keep < 0 || keep > scores.length) {
    throw new RangeError(`top-k: keep must be an integer in [0, ${scores.length}], got ${keep}`);
  }
  return rankColumns(scores).subarray(0, keep).slice().sort();
}

/** The complement of `kept` (ascending) in [0, width): the dropped set D. */
export function complementOf(kept: Int32Array, width: number): Int32Array {
  const isKept = new Uint8Array(width);
  for (const j of kept) isKept[j] = 1;
  const dropped = new Int32Array(width - kept.length);
  let next = 0;
  for (let j = 0; j < width; j++) if (!isKept[j]) dropped[next++] = j;
  return dropped;
}
