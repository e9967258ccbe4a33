/**
 * Dense Cholesky factorisation and solves in float64, for FASP's restoration (the CPU path and the
 * reference the WGSL solve is checked against).
 */

export class NotPositiveDefinite extends Error {
  override readonly name = 'NotPositiveDefinite';
}

/**
 * A = L·Lᵀ for a symmetric positive definite A [n, n] (only its lower triangle is read). Returns L,
 * row-major with zeros above the diagonal. Row-oriented (Cholesky–Banachiewicz): every inner loop is a
 * dot product of two contiguous rows of L.
 */
export function choleskyFactor(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new RangeError(`cholesky: matrix has ${a.length} entries, expected ${n}×${n}`);
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let sum = a[ri + j];
      for (let k = 0; k < j; k++) sum -= l[ri + k] * l[rj + k];
      if (i === j) {
        if (!(sum > 0)) throw new NotPositiveDefinite(`cholesky: pivot ${i} is ${sum}; the matrix is not positive definite`);
        l[ri + i] = Math.sqrt(sum);
      } else {
        l[ri + j] = sum / l[rj + j];
      }
    }
  }
  return l;
}

/**
 * Solves Z·A = M for Z, with A = L·Lᵀ [n, n] and M [rows, n] (each row an independent right-hand side:
 * the rows of a weight matrix). Row by row: L·yᵀ = mᵀ forward, then Lᵀ·zᵀ = yᵀ backward, the backward
 * pass written column-oriented so it too reads rows of L. In place on a copy of M.
 */
export function solveRightCholesky(l: Float64Array, n: number, m: Float64Array, rows: number): Float64Array {
  if (m.length !== rows * n) throw new RangeError(`cholesky solve: right-hand side has ${m.length} entries, expected ${rows}×${n}`);
  const z = m.slice();
  for (let r = 0; r < rows; r++) {
    const off = r * n;
    for (let i = 0; i < n; i++) {
      const li = i * n;
      let sum = z[off + i];
      for (let k = 0; k < i; k++) sum -= l[li + k] * z[off + k];
      z[off + i] = sum / l[li + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      const li = i * n;
      const zi = z[off + i] / l[li + i];
      z[off + i] = zi;
      for (let k = 0; k < i; k++) z[off + k] -= l[li + k] * zi;
    }
  }
  return z;
}

/** ‖Z·A − M‖_F / ‖M‖_F for a symmetric A (so row j of A is its column j): how well a solve did. */
export function relativeResidual(z: Float64Array, a: Float64Array, m: Float64Array, rows: number, n: number): number {
  let residual = 0;
  let reference = 0;
  for (let r = 0; r < rows; r++) {
    const off = r * n;
    for (let j = 0; j < n; j++) {
      let sum = 0;
      const aj = j * n;
      for (let k = 0; k < n; k++) sum += z[off + k] * a[aj + k];
      const diff = sum - m[off + j];
      residual += diff * diff;
      reference += m[off + j] * m[off + j];
    }
  }
  return reference === 0 ? Math.sqrt(residual) : Math.sqrt(residual / reference);
}
