/**
 * The small dense linear algebra the attacks need: every system here has one unknown per class
 * (10 for MNIST), so plain Gaussian elimination in float64 is exact enough and instant.
 */

/** Solves `matrix · x = rhs` for a square `size × size` row-major matrix (partial pivoting). */
export function solveSquare(matrix: ArrayLike<number>, rhs: ArrayLike<number>, size: number): Float64Array {
  if (matrix.length !== size * size) throw new RangeError(`solveSquare: ${matrix.length} values for a ${size} × ${size} matrix`);
  if (rhs.length !== size) throw new RangeError(`solveSquare: right-hand side has ${rhs.length} values, expected ${size}`);
  const a = Float64Array.from(matrix);
  const x = Float64Array.from(rhs);
  for (let col = 0; col < size; col++) {
    let pivot = col;
    for (let row = col + 1; row < size; row++) if (Math.abs(a[row * size + col]) > Math.abs(a[pivot * size + col])) pivot = row;
    if (a[pivot * size + col] === 0) throw new RangeError(`solveSquare: the matrix is singular (column ${col})`);
    if (pivot !== col) {
      for (let k = 0; k < size; k++) [a[col * size + k], a[pivot * size + k]] = [a[pivot * size + k], a[col * size + k]];
      [x[col], x[pivot]] = [x[pivot], x[col]];
    }
    const diagonal = a[col * size + col];
    for (let row = col + 1; row < size; row++) {
      const factor = a[row * size + col] / diagonal;
      if (factor === 0) continue;
      for (let k = col; k < size; k++) a[row * size + k] -= factor * a[col * size + k];
      x[row] -= factor * x[col];
    }
  }
  for (let row = size - 1; row >= 0; row--) {
    let sum = x[row];
    for (let k = row + 1; k < size; k++) sum -= a[row * size + k] * x[k];
    x[row] = sum / a[row * size + row];
  }
  return x;
}

export interface SumConstrainedLeastSquares {
  /** [rows, unknowns] row-major. */
  matrix: ArrayLike<number>;
  /** [rows] */
  rhs: ArrayLike<number>;
  unknowns: number;
  /** The solution's entries must add up to this. */
  sum: number;
  /**
   * Tikhonov pull towards `prior` with this weight, relative to the mean diagonal of MᵀM. A tiny
   * weight (the default) only matters when the rows do not pin the solution down — a pruned or
   * hidden gradient can leave fewer rows than unknowns.
   */
  ridge?: number;
  prior?: ArrayLike<number>;
}

/**
 * min ‖M x − r‖² + λ‖x − x₀‖²  subject to  Σ x = s, through its KKT system
 *
 *   [MᵀM + λI  1] [x]   [Mᵀr + λx₀]
 *   [1ᵀ        0] [μ] = [s        ]
 */
export function sumConstrainedLeastSquares(problem: SumConstrainedLeastSquares): Float64Array {
  const { matrix, rhs, unknowns: n, sum } = problem;
  const rows = rhs.length;
  if (matrix.length !== rows * n) throw new RangeError(`sumConstrainedLeastSquares: ${matrix.length} matrix values for ${rows} rows of ${n}`);
  const size = n + 1;
  const kkt = new Float64Array(size * size);
  const right = new Float64Array(size);
  for (let r = 0; r < rows; r++) {
    const value = rhs[r];
    for (let i = 0; i < n; i++) {
      const mi = matrix[r * n + i];
      if (mi === 0) continue;
      right[i] += mi * value;
      for (let j = 0; j < n; j++) kkt[i * size + j] += mi * matrix[r * n + j];
    }
  }
  let trace = 0;
  for (let i = 0; i < n; i++) trace += kkt[i * size + i];
  const lambda = (problem.ridge ?? 1e-9) * (trace > 0 ? trace / n : 1);
  const prior = problem.prior ?? new Float64Array(n).fill(sum / n);
  for (let i = 0; i < n; i++) {
    kkt[i * size + i] += lambda;
    right[i] += lambda * prior[i];
    kkt[i * size + n] = 1;
    kkt[n * size + i] = 1;
  }
  right[n] = sum;
  return solveSquare(kkt, right, size).subarray(0, n);
}
