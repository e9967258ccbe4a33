/**
 * CPU twin of the column-reduction kernel (src/kernels/colReduce.wgsl): one number per column of a
 * row-major [rows, cols] matrix. The pruning metrics need ‖X_{:,j}‖₂ (from `sumsq`) and Σ_i |W_{i,j}|
 * (`abssum`); FLAP's fluctuation needs `sum` and `sumsq`.
 */
export type ColumnReduction = 'sum' | 'sumsq' | 'abssum';

export const COLUMN_REDUCTIONS: readonly ColumnReduction[] = ['sum', 'sumsq', 'abssum'];

export function colReduceCpu(
  matrix: Float32Array,
  rows: number,
  cols: number,
  reduction: ColumnReduction,
  /** When given, results are added to it (streaming over row chunks). */
  accumulate?: Float32Array,
): Float32Array {
  if (matrix.length < rows * cols) {
    throw new RangeError(`colReduce: matrix has ${matrix.length} elements, needs ${rows}×${cols}`);
  }
  const sums = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const offset = i * cols;
    for (let j = 0; j < cols; j++) {
      const x = matrix[offset + j];
      sums[j] += reduction === 'sum' ? x : reduction === 'sumsq' ? x * x : Math.abs(x);
    }
  }
  const out = accumulate ?? new Float32Array(cols);
  if (out.length !== cols) throw new RangeError(`colReduce: output has ${out.length} entries, expected ${cols}`);
  for (let j = 0; j < cols; j++) out[j] = (accumulate ? out[j] : 0) + sums[j];
  return out;
}
