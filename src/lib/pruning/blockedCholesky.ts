import { NotPositiveDefinite } from './cholesky.ts';
import type { DenseProduct } from './denseProduct.ts';

/**
 * Recursive blocked Cholesky factorisation and right-hand triangular solves for FASP's restoration on
 * the CPU path. Each routine splits its triangle in two and recurses, so almost all of the work lands
 * in a few large dense products (`DenseProduct`, tfjs-wasm in practice, float32 operands) that update a
 * float64 working matrix; only triangles of at most `block` rows are solved in float64 loops:
 *
 *   chol(A)        L₁₁ = chol(A₁₁);  L₂₁ = A₂₁ L₁₁⁻ᵀ (trsm);  A₂₂ −= L₂₁ L₂₁ᵀ (syrk);  L₂₂ = chol(A₂₂)
 *   X·Lᵀ = B       X₁ L₁₁ᵀ = B₁;  B₂ −= X₁ L₂₁ᵀ;  X₂ L₂₂ᵀ = B₂
 *   X·L  = B       X₂ L₂₂ = B₂;   B₁ −= X₂ L₂₁;   X₁ L₁₁ = B₁
 *   C −= A·Aᵀ      lower triangle only: C₁₁, C₂₂ recursively, C₂₁ −= A₂ A₁ᵀ as one product
 *
 * (the recursive formulations of Gustavson, "Recursion leads to automatic variable blocking for dense
 * linear-algebra algorithms", IBM J. Res. Dev. 1997). The syrk computes only the lower triangle (down to
 * square diagonal blocks of `SYRK_BLOCK`), so the factorisation costs about n³/3 multiply-adds, not the
 * n³/2 of updating whole trailing squares. The products are float32, so the result is checked by its
 * residual where asked (blockedRestoration.ts). The unblocked float64 twins are `choleskyFactor` /
 * `solveRightCholesky` (cholesky.ts).
 */
export const DEFAULT_CHOLESKY_BLOCK = 48;
/** Diagonal blocks of the lower-triangle update computed as whole squares (the waste is ≤ 1/(2·blocks)). */
const SYRK_BLOCK = 256;

export interface BlockedFactor {
  /** L, row-major [n, n], zero above the diagonal. */
  l: Float64Array;
  n: number;
  block: number;
}

/** A square or rectangular block of a row-major float64 matrix: its top-left corner and leading dimension. */
interface View {
  data: Float64Array;
  ld: number;
  row: number;
  col: number;
}

const at = (v: View, row: number, col: number): View => ({ data: v.data, ld: v.ld, row: v.row + row, col: v.col + col });

/** A = L·Lᵀ for a symmetric positive definite A [n, n] (its lower triangle is read). */
export function blockedCholesky(a: Float64Array, n: number, product: DenseProduct, block = DEFAULT_CHOLESKY_BLOCK): BlockedFactor {
  if (a.length !== n * n) throw new RangeError(`blocked cholesky: matrix has ${a.length} entries, expected ${n}×${n}`);
  if (!(Number.isInteger(block) && block >= 1)) throw new RangeError(`blocked cholesky: block must be a positive integer, got ${block}`);
  const w = a.slice(); // overwritten by L in its lower triangle
  factorRecursive({ data: w, ld: n, row: 0, col: 0 }, n, product, block);
  for (let i = 0; i < n; i++) w.fill(0, i * n + i + 1, (i + 1) * n);
  return { l: w, n, block };
}

/**
 * Solves Z·A = M for Z (each of M's `rows` rows an independent right-hand side), A = L·Lᵀ: Y·Lᵀ = M,
 * then Z·L = Y. Returns a new [rows, n] float64 array.
 */
export function blockedSolveRight(factor: BlockedFactor, m: ArrayLike<number>, rows: number, product: DenseProduct): Float64Array {
  const { l, n, block } = factor;
  if (m.length !== rows * n) throw new RangeError(`blocked solve: right-hand side has ${m.length} entries, expected ${rows}×${n}`);
  const z = Float64Array.from(m);
  const lView: View = { data: l, ld: n, row: 0, col: 0 };
  const zView: View = { data: z, ld: n, row: 0, col: 0 };
  solveTransposedRight(lView, zView, rows, n, product, block);
  solveRight(lView, zView, rows, n, product, block);
  return z;
}

/** Where a triangle of `size` rows splits: about half, on a multiple of the leaf size. */
function splitAt(size: number, leaf: number): number {
  return Math.max(leaf, Math.round(size / 2 / leaf) * leaf);
}

/** In place on the lower triangle of the [size, size] block at `a`. */
function factorRecursive(a: View, size: number, product: DenseProduct, block: number): void {
  if (size <= block) {
    factorLeaf(a, size);
    return;
  }
  const n1 = splitAt(size, block);
  const n2 = size - n1;
  factorRecursive(a, n1, product, block);
  const l21 = at(a, n1, 0);
  solveTransposedRight(a, l21, n2, n1, product, block); // L₂₁ = A₂₁ L₁₁⁻ᵀ
  syrkLower(at(a, n1, n1), l21, n2, n1, product); // A₂₂ −= L₂₁ L₂₁ᵀ
  factorRecursive(at(a, n1, n1), n2, product, block);
}

/** Unblocked float64 Cholesky of a small diagonal block, in place in its lower triangle. */
function factorLeaf(a: View, size: number): void {
  const { data: w, ld } = a;
  for (let i = 0; i < size; i++) {
    const ri = (a.row + i) * ld + a.col;
    for (let j = 0; j <= i; j++) {
      const rj = (a.row + j) * ld + a.col;
      let sum = w[ri + j];
      for (let p = 0; p < j; p++) sum -= w[ri + p] * w[rj + p];
      if (i === j) {
        if (!(sum > 0)) throw new NotPositiveDefinite(`cholesky: pivot ${a.row + i} is ${sum}; the matrix is not positive definite`);
        w[ri + i] = Math.sqrt(sum);
      } else {
        w[ri + j] = sum / w[rj + j];
      }
    }
  }
}

/** X·Lᵀ = B in place on the [rows, size] block at `x` (B in, X out); L [size, size] lower at `l`. */
function solveTransposedRight(l: View, x: View, rows: number, size: number, product: DenseProduct, block: number): void {
  if (rows === 0) return;
  if (size <= block) {
    solveTransposedLeaf(l, x, rows, size);
    return;
  }
  const n1 = splitAt(size, block);
  const n2 = size - n1;
  solveTransposedRight(l, x, rows, n1, product, block);
  subtractProduct(at(x, 0, n1), x, at(l, n1, 0), { m: rows, k: n1, n: n2, bTransposed: true }, product); // B₂ −= X₁ L₂₁ᵀ
  solveTransposedRight(at(l, n1, n1), at(x, 0, n1), rows, n2, product, block);
}

/** X·L = B in place on the [rows, size] block at `x`; L [size, size] lower at `l`. */
function solveRight(l: View, x: View, rows: number, size: number, product: DenseProduct, block: number): void {
  if (rows === 0) return;
  if (size <= block) {
    solveLeaf(l, x, rows, size);
    return;
  }
  const n1 = splitAt(size, block);
  const n2 = size - n1;
  solveRight(at(l, n1, n1), at(x, 0, n1), rows, n2, product, block);
  subtractProduct(x, at(x, 0, n1), at(l, n1, 0), { m: rows, k: n2, n: n1 }, product); // B₁ −= X₂ L₂₁
  solveRight(l, x, rows, n1, product, block);
}

/** C −= A·Aᵀ on the lower triangle of the [size, size] block at `c`; A is [size, k] at `a`. */
function syrkLower(c: View, a: View, size: number, k: number, product: DenseProduct): void {
  if (size <= SYRK_BLOCK) {
    subtractProduct(c, a, a, { m: size, k, n: size, bTransposed: true, lower: true }, product); // the square A Aᵀ, lower half kept
    return;
  }
  const s1 = splitAt(size, SYRK_BLOCK);
  const s2 = size - s1;
  syrkLower(c, a, s1, k, product);
  subtractProduct(at(c, s1, 0), at(a, s1, 0), a, { m: s2, k, n: s1, bTransposed: true }, product); // C₂₁ −= A₂ A₁ᵀ
  syrkLower(at(c, s1, s1), at(a, s1, 0), s2, k, product);
}

/**
 * Rows of x solved against a small L (x·Lᵀ = b: forward substitution), four rows at a time so each
 * row of L is read once per four right-hand sides.
 */
function solveTransposedLeaf(l: View, x: View, rows: number, size: number): void {
  const { data: w, ld: lld } = l;
  const { data: z, ld: xld } = x;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const o0 = (x.row + r) * xld + x.col;
    const o1 = o0 + xld;
    const o2 = o1 + xld;
    const o3 = o2 + xld;
    for (let c = 0; c < size; c++) {
      const lc = (l.row + c) * lld + l.col;
      let s0 = z[o0 + c];
      let s1 = z[o1 + c];
      let s2 = z[o2 + c];
      let s3 = z[o3 + c];
      for (let p = 0; p < c; p++) {
        const lcp = w[lc + p];
        s0 -= lcp * z[o0 + p];
        s1 -= lcp * z[o1 + p];
        s2 -= lcp * z[o2 + p];
        s3 -= lcp * z[o3 + p];
      }
      const inverse = 1 / w[lc + c];
      z[o0 + c] = s0 * inverse;
      z[o1 + c] = s1 * inverse;
      z[o2 + c] = s2 * inverse;
      z[o3 + c] = s3 * inverse;
    }
  }
  for (; r < rows; r++) {
    const o = (x.row + r) * xld + x.col;
    for (let c = 0; c < size; c++) {
      const lc = (l.row + c) * lld + l.col;
      let s = z[o + c];
      for (let p = 0; p < c; p++) s -= w[lc + p] * z[o + p];
      z[o + c] = s / w[lc + c];
    }
  }
}

/**
 * Rows of x solved against a small L (x·L = b: backward substitution), column-oriented so every inner
 * loop reads a row of L, four rows of x at a time.
 */
function solveLeaf(l: View, x: View, rows: number, size: number): void {
  const { data: w, ld: lld } = l;
  const { data: z, ld: xld } = x;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const o0 = (x.row + r) * xld + x.col;
    const o1 = o0 + xld;
    const o2 = o1 + xld;
    const o3 = o2 + xld;
    for (let c = size - 1; c >= 0; c--) {
      const lc = (l.row + c) * lld + l.col;
      const inverse = 1 / w[lc + c];
      const z0 = (z[o0 + c] *= inverse);
      const z1 = (z[o1 + c] *= inverse);
      const z2 = (z[o2 + c] *= inverse);
      const z3 = (z[o3 + c] *= inverse);
      for (let p = 0; p < c; p++) {
        const lcp = w[lc + p];
        z[o0 + p] -= lcp * z0;
        z[o1 + p] -= lcp * z1;
        z[o2 + p] -= lcp * z2;
        z[o3 + p] -= lcp * z3;
      }
    }
  }
  for (; r < rows; r++) {
    const o = (x.row + r) * xld + x.col;
    for (let c = size - 1; c >= 0; c--) {
      const lc = (l.row + c) * lld + l.col;
      const zc = (z[o + c] /= w[lc + c]);
      for (let p = 0; p < c; p++) z[o + p] -= w[lc + p] * zc;
    }
  }
}

/**
 * Longest inner dimension of one float32 product: longer ones are split and their parts subtracted
 * one by one into the float64 matrix, so no float32 sum runs over more than this many terms (the
 * rounding of the updates stays that of a 128-wide blocked factorisation, whatever the recursion depth).
 */
const K_CHUNK = 128;

/**
 * C [m, n] −= A·op(B): A is the [m, k] block at `a`; op(B) is the [k, n] block at `b`, or with
 * `bTransposed` the transpose of the [n, k] block there. `lower` keeps C's entries above its diagonal.
 */
function subtractProduct(c: View, a: View, b: View, dims: { m: number; k: number; n: number; bTransposed?: boolean; lower?: boolean }, product: DenseProduct): void {
  const { m, k, n } = dims;
  for (let k0 = 0; k0 < k; k0 += K_CHUNK) {
    const kc = Math.min(K_CHUNK, k - k0);
    const left = copyBlock(at(a, 0, k0), m, kc); // [m, kc]
    const right = dims.bTransposed ? copyBlock(at(b, 0, k0), n, kc, true) : copyBlock(at(b, k0, 0), kc, n); // [kc, n]
    subtractBlock(c, product(left, right, { m, k: kc, n }), m, n, dims.lower);
  }
}

/** The [rows, cols] block at `v` as a new float32 array, [rows, cols] or (transposed) [cols, rows]. */
function copyBlock(v: View, rows: number, cols: number, transpose = false): Float32Array {
  const out = new Float32Array(rows * cols);
  const { data, ld } = v;
  for (let r = 0; r < rows; r++) {
    const src = (v.row + r) * ld + v.col;
    if (transpose) for (let c = 0; c < cols; c++) out[c * rows + r] = data[src + c];
    else for (let c = 0; c < cols; c++) out[r * cols + c] = data[src + c];
  }
  return out;
}

/** The [rows, cols] block at `v` −= delta (only entries with column ≤ row when `lower`). */
function subtractBlock(v: View, delta: Float32Array, rows: number, cols: number, lower = false): void {
  const { data, ld } = v;
  for (let r = 0; r < rows; r++) {
    const dst = (v.row + r) * ld + v.col;
    const src = r * cols;
    const end = lower ? Math.min(cols, r + 1) : cols;
    for (let c = 0; c < end; c++) data[dst + c] -= delta[src + c];
  }
}
