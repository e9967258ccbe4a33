/**
 * Eigen-decomposition of a real symmetric matrix A = Q Λ Qᵀ (Golub & Van Loan, "Matrix Computations",
 * §8.3): Householder reduction to a tridiagonal T = Q₀ᵀ A Q₀, then implicit symmetric QR steps with
 * the Wilkinson shift on T, deflating converged off-diagonals, every rotation accumulated into Q.
 * Float64 throughout, O(n³) with contiguous row access (Qᵀ is what gets updated). Eigenvalues come
 * sorted descending, and column j of Q (row-major [n, n]) is the eigenvector of eigenvalue j — the
 * principal directions SliceGPT keeps first.
 */
export interface SymmetricEigen {
  values: Float64Array; // [n], descending
  vectors: Float64Array; // [n, n], column j ↔ values[j]
}

const EPSILON = 2 ** -52;

export function symmetricEigen(matrix: ArrayLike<number>, n: number, options: { maxIterations?: number } = {}): SymmetricEigen {
  if (matrix.length !== n * n) throw new RangeError(`eigen: matrix has ${matrix.length} entries, expected ${n}×${n}`);
  const a = Float64Array.from(matrix);
  const qt = new Float64Array(n * n); // Qᵀ: row i is the i-th basis vector
  for (let i = 0; i < n; i++) qt[i * n + i] = 1;
  tridiagonalise(a, qt, n);
  const diag = Float64Array.from({ length: n }, (_, i) => a[i * n + i]);
  const off = Float64Array.from({ length: Math.max(0, n - 1) }, (_, i) => a[i * n + i + 1]); // off[i] = T[i, i+1]
  implicitQr(diag, off, qt, n, options.maxIterations ?? 60 * n);

  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => diag[j] - diag[i] || i - j);
  const values = Float64Array.from(order, (i) => diag[i]);
  const vectors = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let j = 0; j < n; j++) vectors[r * n + j] = qt[order[j] * n + r];
  return { values, vectors };
}

/** A ← Hᵀ A H column by column with Householder reflections H = I − 2vvᵀ; Qᵀ ← H Qᵀ. */
function tridiagonalise(a: Float64Array, qt: Float64Array, n: number): void {
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  const dots = new Float64Array(n);
  for (let k = 0; k + 2 < n; k++) {
    // v reflects x = A[k+1:, k] onto −sign(x₀)‖x‖ e₁.
    let norm = 0;
    for (let i = k + 1; i < n; i++) norm += a[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = a[(k + 1) * n + k] > 0 ? -norm : norm;
    v.fill(0);
    for (let i = k + 1; i < n; i++) v[i] = a[i * n + k];
    v[k + 1] -= alpha;
    let vNorm = 0;
    for (let i = k + 1; i < n; i++) vNorm += v[i] ** 2;
    vNorm = Math.sqrt(vNorm);
    if (vNorm === 0) continue;
    for (let i = k + 1; i < n; i++) v[i] /= vNorm;
    // A ← A − v wᵀ − w vᵀ with p = A v, w = 2p − 2(vᵀp) v (on the rows and columns ≥ k; column k is set directly).
    for (let i = k + 1; i < n; i++) {
      let sum = 0;
      for (let j = k + 1; j < n; j++) sum += a[i * n + j] * v[j];
      p[i] = sum;
    }
    let beta = 0;
    for (let i = k + 1; i < n; i++) beta += v[i] * p[i];
    for (let i = k + 1; i < n; i++) p[i] = 2 * p[i] - 2 * beta * v[i];
    for (let i = k + 1; i < n; i++) for (let j = k + 1; j < n; j++) a[i * n + j] -= v[i] * p[j] + p[i] * v[j];
    for (let i = k + 1; i < n; i++) a[i * n + k] = a[k * n + i] = 0;
    a[(k + 1) * n + k] = a[k * n + k + 1] = alpha;
    // Qᵀ ← H Qᵀ: rows k+1… of Qᵀ minus 2 v (vᵀ Qᵀ).
    dots.fill(0);
    for (let i = k + 1; i < n; i++) for (let c = 0; c < n; c++) dots[c] += v[i] * qt[i * n + c];
    for (let i = k + 1; i < n; i++) for (let c = 0; c < n; c++) qt[i * n + c] -= 2 * v[i] * dots[c];
  }
}

/** Rows i and i+1 of Qᵀ rotated: Qᵀ ← Gᵀ Qᵀ for G = [[c, s], [−s, c]] acting on coordinates i, i+1. */
function rotateRows(qt: Float64Array, n: number, i: number, c: number, s: number): void {
  const r0 = i * n;
  const r1 = r0 + n;
  for (let k = 0; k < n; k++) {
    const x = qt[r0 + k];
    const y = qt[r1 + k];
    qt[r0 + k] = c * x - s * y;
    qt[r1 + k] = s * x + c * y;
  }
}

/** Diagonalises the tridiagonal (diag, off) in place by implicit QR steps (GVL Algorithm 8.3.2). */
function implicitQr(diag: Float64Array, off: Float64Array, qt: Float64Array, n: number, maxIterations: number): void {
  // An off-diagonal is negligible next to its diagonal neighbours or to ‖T‖ (a covariance of fewer tokens
  // than dimensions has many zero eigenvalues, whose neighbours never get small relative to each other).
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(diag[i]) + (i > 0 ? Math.abs(off[i - 1]) : 0) + (i < n - 1 ? Math.abs(off[i]) : 0));
  const negligible = (i: number) => Math.abs(off[i]) <= EPSILON * (Math.abs(diag[i]) + Math.abs(diag[i + 1])) || Math.abs(off[i]) <= EPSILON * norm;
  let hi = n - 1;
  let iterations = 0;
  while (hi > 0) {
    if (negligible(hi - 1)) {
      off[hi - 1] = 0;
      hi--;
      continue;
    }
    let lo = hi - 1;
    while (lo > 0 && !negligible(lo - 1)) lo--;
    if (++iterations > maxIterations) throw new Error('eigen: the QR iteration did not converge');
    // Wilkinson shift: the eigenvalue of the trailing 2×2 closer to its last entry.
    const delta = (diag[hi - 1] - diag[hi]) / 2;
    const e2 = off[hi - 1] ** 2;
    const mu = diag[hi] - e2 / (delta + (delta >= 0 ? 1 : -1) * Math.sqrt(delta * delta + e2));
    let x = diag[lo] - mu;
    let z = off[lo];
    for (let k = lo; k < hi; k++) {
      // Givens (c, s) with c·x − s·z = r, s·x + c·z = 0, applied as T ← Gᵀ T G on rows/columns k, k+1.
      const r = Math.hypot(x, z);
      const c = r === 0 ? 1 : x / r;
      const s = r === 0 ? 0 : -z / r;
      if (k > lo) off[k - 1] = c * off[k - 1] - s * z;
      const dk = diag[k];
      const dk1 = diag[k + 1];
      const ek = off[k];
      diag[k] = c * c * dk - 2 * c * s * ek + s * s * dk1;
      diag[k + 1] = s * s * dk + 2 * c * s * ek + c * c * dk1;
      off[k] = c * s * (dk - dk1) + (c * c - s * s) * ek;
      rotateRows(qt, n, k, c, s);
      if (k + 1 < hi) {
        // The bulge at (k+2, k) is chased down.
        x = off[k];
        z = -s * off[k + 1];
        off[k + 1] *= c;
      }
    }
  }
}
