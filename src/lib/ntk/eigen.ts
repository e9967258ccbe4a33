/**
 * Symmetric eigen-solvers for the NTK Gram matrix (row-major n×n Float64Array, not modified).
 *   symmetricEigenvalues: Householder tridiagonalisation, then implicit QL with Wilkinson-like shifts
 *     (≈ 4n³/3 flops; eigenvalues only; what the stopping rule needs).
 *   jacobiEigen: cyclic Jacobi rotations (Golub & Van Loan §8.5); slower, but gives eigenvectors and
 *     is simple enough to trust; used for closed forms on small cases and to check the QL solver.
 * Both return eigenvalues in decreasing order.
 */

/** Reduces a copy of A to tridiagonal form; returns its diagonal and sub-diagonal (sub[i] = T[i+1, i]). */
export function tridiagonalise(a: Float64Array, n: number): { diag: Float64Array; sub: Float64Array } {
  if (a.length !== n * n) throw new RangeError(`tridiagonalise: expected ${n * n} entries, got ${a.length}`);
  const s = Float64Array.from(a); // [n, n], reduced in place
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    // Householder vector v for x = S[k+1:, k], so that H x = α e_1 with H = I − β v vᵀ.
    let xNorm = 0;
    for (let i = k + 1; i < n; i++) xNorm += s[i * n + k] ** 2;
    xNorm = Math.sqrt(xNorm);
    if (xNorm === 0) continue;
    const x0 = s[(k + 1) * n + k];
    const alpha = x0 > 0 ? -xNorm : xNorm;
    let vv = 0;
    for (let i = k + 1; i < n; i++) {
      v[i] = s[i * n + k] - (i === k + 1 ? alpha : 0);
      vv += v[i] * v[i];
    }
    if (vv === 0) continue;
    const beta = 2 / vv;
    // S' = H S H on the trailing block: p = β S v, q = p − (β/2)(vᵀp) v, S' = S − v qᵀ − q vᵀ.
    let vp = 0;
    for (let i = k + 1; i < n; i++) {
      let sum = 0;
      for (let j = k + 1; j < n; j++) sum += s[i * n + j] * v[j];
      p[i] = beta * sum;
      vp += v[i] * p[i];
    }
    const half = (beta / 2) * vp;
    for (let i = k + 1; i < n; i++) p[i] -= half * v[i];
    for (let i = k + 1; i < n; i++) for (let j = k + 1; j < n; j++) s[i * n + j] -= v[i] * p[j] + p[i] * v[j];
    s[(k + 1) * n + k] = alpha;
    s[k * n + k + 1] = alpha;
    for (let i = k + 2; i < n; i++) s[i * n + k] = s[k * n + i] = 0;
  }
  const diag = new Float64Array(n);
  const sub = new Float64Array(n); // sub[n−1] = 0
  for (let i = 0; i < n; i++) diag[i] = s[i * n + i];
  for (let i = 0; i < n - 1; i++) sub[i] = s[(i + 1) * n + i];
  return { diag, sub };
}

/** Eigenvalues of the symmetric tridiagonal (diag, sub) by implicit QL; diag and sub are overwritten. */
export function tridiagonalEigenvalues(diag: Float64Array, sub: Float64Array): Float64Array {
  const n = diag.length;
  const d = diag;
  const e = sub;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    for (let iteration = 0; ; iteration++) {
      // Find the first negligible sub-diagonal entry at or after l: the block l..m splits off.
      let m = l;
      for (; m < n - 1; m++) if (Math.abs(e[m]) <= eps * (Math.abs(d[m]) + Math.abs(d[m + 1]))) break;
      if (m === l) break;
      if (iteration === 100) throw new Error('tridiagonalEigenvalues: QL did not converge');
      // Shift from the leading 2×2 block, then chase the bulge from m−1 up to l with Givens rotations.
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (r === 0 && i >= l) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
  return Float64Array.from(d).sort((x, y) => y - x);
}

export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  const { diag, sub } = tridiagonalise(a, n);
  return tridiagonalEigenvalues(diag, sub);
}

/** Cyclic Jacobi: A = V diag(values) Vᵀ; `vectors[i*n + j]` is entry i of eigenvector j. */
export function jacobiEigen(a: Float64Array, n: number, maxSweeps = 100): { values: Float64Array; vectors: Float64Array } {
  if (a.length !== n * n) throw new RangeError(`jacobiEigen: expected ${n * n} entries, got ${a.length}`);
  const s = Float64Array.from(a); // [n, n]
  const v = new Float64Array(n * n); // [n, n]
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (const value of s) total += value * value;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += s[p * n + q] ** 2;
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = s[p * n + q];
        if (apq === 0) continue;
        // Rotation J (J_pp = J_qq = c, J_pq = s, J_qp = −s) with (JᵀAJ)_pq = 0.
        const tau = (s[q * n + q] - s[p * n + p]) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = t * c;
        for (let k = 0; k < n; k++) {
          const akp = s[k * n + p];
          const akq = s[k * n + q];
          s[k * n + p] = c * akp - sn * akq;
          s[k * n + q] = sn * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = s[p * n + k];
          const aqk = s[q * n + k];
          s[p * n + k] = c * apk - sn * aqk;
          s[q * n + k] = sn * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - sn * vkq;
          v[k * n + q] = sn * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => s[j * n + j] - s[i * n + i]);
  const values = Float64Array.from(order, (i) => s[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    for (let k = 0; k < n; k++) vectors[k * n + to] = v[k * n + from];
  });
  return { values, vectors };
}
