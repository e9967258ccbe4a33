/**
 * Solves A x = b for a symmetric positive definite A ([n, n], row-major, only the upper triangle read)
 * by Cholesky, in float64. Throws RangeError when A is not positive definite.
 */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  if (a.length !== n * n || b.length !== n) throw new RangeError(`choleskySolve: A must be [${n}, ${n}] and b [${n}]`);
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let diagonal = a[j * n + j];
    for (let k = 0; k < j; k++) diagonal -= l[j * n + k] ** 2;
    if (!(diagonal > 0)) throw new RangeError(`choleskySolve: matrix is not positive definite (pivot ${j})`);
    const ljj = Math.sqrt(diagonal);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let sum = a[Math.min(i, j) * n + Math.max(i, j)];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = sum / ljj;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let sum = x[i];
    for (let k = 0; k < i; k++) sum -= l[i * n + k] * x[k];
    x[i] = sum / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let sum = x[i];
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k];
    x[i] = sum / l[i * n + i];
  }
  return x;
}

/**
 * Ordinary least squares with an intercept: minimises ‖y − b − Xβ‖² over rows in `rows`, via the normal
 * equations in float64 (a tiny ridge 1e-10·trace keeps a constant column solvable). Returns [b, β…].
 */
export function leastSquares(x: Float64Array, columns: number, y: Float64Array, rows: ArrayLike<number>): Float64Array {
  const d = columns + 1;
  const gram = new Float64Array(d * d);
  const rhs = new Float64Array(d);
  const row = new Float64Array(d);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    row[0] = 1;
    for (let c = 0; c < columns; c++) row[c + 1] = x[i * columns + c];
    for (let p = 0; p < d; p++) {
      rhs[p] += row[p] * y[i];
      for (let q = p; q < d; q++) gram[p * d + q] += row[p] * row[q];
    }
  }
  let trace = 0;
  for (let p = 0; p < d; p++) trace += gram[p * d + p];
  for (let p = 0; p < d; p++) gram[p * d + p] += 1e-10 * (trace / d);
  return choleskySolve(gram, rhs, d);
}
