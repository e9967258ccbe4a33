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
 * the rows of a weight matrix): L·yᵀ = mᵀ forward, then Lᵀ·zᵀ = yᵀ backward, the backward pass written
 * column-oriented so it too reads rows of L. Four rows at a time, with their sums in registers, so each
 * row of L (n² doubles in all, more than the caches hold at FFN widths) is read once per four rows.
 */
export function solveRightCholesky(l: Float64Array, n: number, m: Float64Array, rows: number): Float64Array {
  if (m.length !== rows * n) throw new RangeError(`cholesky solve: right-hand side has ${m.length} entries, expected ${rows}×${n}`);
  const z = m.slice();
  forEachRowQuad(z, rows, n, (quad) => {
    const [o0, o1, o2, o3] = [0, n, 2 * n, 3 * n];
    for (let i = 0; i < n; i++) {
      const li = i * n;
      let s0 = quad[o0 + i];
      let s1 = quad[o1 + i];
      let s2 = quad[o2 + i];
      let s3 = quad[o3 + i];
      for (let k = 0; k < i; k++) {
        const lik = l[li + k];
        s0 -= lik * quad[o0 + k];
        s1 -= lik * quad[o1 + k];
        s2 -= lik * quad[o2 + k];
        s3 -= lik * quad[o3 + k];
      }
      const inverse = 1 / l[li + i];
      quad[o0 + i] = s0 * inverse;
      quad[o1 + i] = s1 * inverse;
      quad[o2 + i] = s2 * inverse;
      quad[o3 + i] = s3 * inverse;
    }
    for (let i = n - 1; i >= 0; i--) {
      const li = i * n;
      const inverse = 1 / l[li + i];
      const z0 = (quad[o0 + i] *= inverse);
      const z1 = (quad[o1 + i] *= inverse);
      const z2 = (quad[o2 + i] *= inverse);
      const z3 = (quad[o3 + i] *= inverse);
      for (let k = 0; k < i; k++) {
        const lik = l[li + k];
        quad[o0 + k] -= lik * z0;
        quad[o1 + k] -= lik * z1;
        quad[o2 + k] -= lik * z2;
        quad[o3 + k] -= lik * z3;
      }
    }
  });
  return z;
}

/**
 * Runs `body` on the rows of a [rows, n] matrix four at a time, as one [4, n] array (a short last
 * group is padded with zero rows, which every body here leaves at zero), writing the result back.
 */
function forEachRowQuad(matrix: Float64Array, rows: number, n: number, body: (quad: Float64Array) => void): void {
  const quad = new Float64Array(4 * n);
  for (let r0 = 0; r0 < rows; r0 += 4) {
    const count = Math.min(4, rows - r0);
    quad.fill(0);
    quad.set(matrix.subarray(r0 * n, (r0 + count) * n));
    body(quad);
    matrix.set(quad.subarray(0, count * n), r0 * n);
  }
}

/** ‖Z·A − M‖_F / ‖M‖_F for a symmetric A (so row j of A is its column j): how well a solve did. */
export function relativeResidual(z: Float64Array, a: Float64Array, m: Float64Array, rows: number, n: number): number {
  let residual = 0;
  let reference = 0;
  const product = z.slice(); // becomes Z·A, four rows at a time
  const row = new Float64Array(4 * n);
  forEachRowQuad(product, rows, n, (quad) => {
    for (let j = 0; j < n; j++) {
      const aj = j * n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < n; k++) {
        const ajk = a[aj + k];
        s0 += ajk * quad[k];
        s1 += ajk * quad[n + k];
        s2 += ajk * quad[2 * n + k];
        s3 += ajk * quad[3 * n + k];
      }
      row[j] = s0;
      row[n + j] = s1;
      row[2 * n + j] = s2;
      row[3 * n + j] = s3;
    }
    quad.set(row);
  });
  for (let i = 0; i < rows * n; i++) {
    residual += (product[i] - m[i]) ** 2;
    reference += m[i] * m[i];
  }
  return reference === 0 ? Math.sqrt(residual) : Math.sqrt(residual / reference);
}
