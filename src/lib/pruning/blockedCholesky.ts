import { NotPositiveDefinite } from './cholesky.ts';
import type { DenseProduct } from './denseProduct.ts';

/**
 * Blocked Cholesky factorisation and right-hand solves for FASP's restoration on the CPU path: the
 * O(n³) and O(rows·n²) parts are dense products (`DenseProduct`, tfjs-wasm in practice, float32);
 * diagonal blocks, panels and the small triangular solves stay in float64 typed-array loops. The
 * products are float32, so the result is checked by its residual (restoration.ts reports it). The
 * unblocked float64 twins are `choleskyFactor` / `solveRightCholesky` (cholesky.ts).
 */
export const DEFAULT_CHOLESKY_BLOCK = 128;

export interface BlockedFactor {
  /** L, row-major [n, n], zero above the diagonal. */
  l: Float64Array;
  n: number;
  block: number;
}

/**
 * A = L·Lᵀ (right-looking): for each block column, factor the diagonal block, solve the panel below
 * it (L₂₁ = A₂₁ L₁₁⁻ᵀ) in float64, then subtract L₂₁·L₂₁ᵀ from the trailing matrix with one product.
 */
export function blockedCholesky(a: Float64Array, n: number, product: DenseProduct, block = DEFAULT_CHOLESKY_BLOCK): BlockedFactor {
  if (a.length !== n * n) throw new RangeError(`blocked cholesky: matrix has ${a.length} entries, expected ${n}×${n}`);
  const w = a.slice(); // overwritten by L in its lower triangle
  for (let k0 = 0; k0 < n; k0 += block) {
    const size = Math.min(block, n - k0);
    const below = n - k0 - size;
    factorDiagonalBlock(w, n, k0, size);
    if (below === 0) break;
    const panel = new Float32Array(below * size); // L₂₁  [below, size]
    const panelT = new Float32Array(size * below); // L₂₁ᵀ [size, below]
    for (let r = 0; r < below; r++) {
      const row = (k0 + size + r) * n;
      for (let c = 0; c < size; c++) {
        // x · L₁₁ᵀ = a: forward substitution along the row.
        let sum = w[row + k0 + c];
        const lc = (k0 + c) * n + k0;
        for (let p = 0; p < c; p++) sum -= w[row + k0 + p] * w[lc + p];
        const value = sum / w[lc + c];
        w[row + k0 + c] = value;
        panel[r * size + c] = value;
        panelT[c * below + r] = value;
      }
    }
    const update = product(panel, panelT, { m: below, k: size, n: below }); // L₂₁ L₂₁ᵀ  [below, below]
    for (let r = 0; r < below; r++) {
      const row = (k0 + size + r) * n + k0 + size;
      for (let c = 0; c <= r; c++) w[row + c] -= update[r * below + c];
    }
  }
  for (let i = 0; i < n; i++) w.fill(0, i * n + i + 1, (i + 1) * n);
  return { l: w, n, block };
}

/** Unblocked float64 Cholesky of the diagonal block at (k0, k0), in place in the lower triangle. */
function factorDiagonalBlock(w: Float64Array, n: number, k0: number, size: number): void {
  for (let i = k0; i < k0 + size; i++) {
    const ri = i * n;
    for (let j = k0; j <= i; j++) {
      const rj = j * n;
      let sum = w[ri + j];
      for (let p = k0; p < j; p++) sum -= w[ri + p] * w[rj + p];
      if (i === j) {
        if (!(sum > 0)) throw new NotPositiveDefinite(`cholesky: pivot ${i} is ${sum}; the matrix is not positive definite`);
        w[ri + i] = Math.sqrt(sum);
      } else {
        w[ri + j] = sum / w[rj + j];
      }
    }
  }
}

/**
 * Solves Z·A = M for Z (each of M's `rows` rows an independent right-hand side), A = L·Lᵀ:
 *   Y·Lᵀ = M block column by block column from the left (after each block, the columns to its right
 *   lose Y_k·L[right, k]ᵀ: one product), then Z·L = Y from the right (the columns to the left lose
 *   Z_k·L[k, left]). Returns a new [rows, n] float64 array.
 */
export function blockedSolveRight(factor: BlockedFactor, m: ArrayLike<number>, rows: number, product: DenseProduct): Float64Array {
  const { l, n, block } = factor;
  if (m.length !== rows * n) throw new RangeError(`blocked solve: right-hand side has ${m.length} entries, expected ${rows}×${n}`);
  const z = Float64Array.from(m);
  const blocks = Math.ceil(n / block);
  for (let b = 0; b < blocks; b++) {
    const k0 = b * block;
    const size = Math.min(block, n - k0);
    const right = n - k0 - size;
    const solved = solveDiagonalBlock(l, n, z, rows, k0, size, 'forward');
    if (right === 0) continue;
    const lRightT = new Float32Array(size * right); // L[right, k]ᵀ  [size, right]
    for (let r = 0; r < right; r++) for (let c = 0; c < size; c++) lRightT[c * right + r] = l[(k0 + size + r) * n + k0 + c];
    subtractInto(z, n, k0 + size, product(solved, lRightT, { m: rows, k: size, n: right }), rows, right);
  }
  for (let b = blocks - 1; b >= 0; b--) {
    const k0 = b * block;
    const size = Math.min(block, n - k0);
    const solved = solveDiagonalBlock(l, n, z, rows, k0, size, 'backward');
    if (k0 === 0) continue;
    const lLeft = new Float32Array(size * k0); // L[k, left]  [size, k0]
    for (let r = 0; r < size; r++) for (let c = 0; c < k0; c++) lLeft[r * k0 + c] = l[(k0 + r) * n + c];
    subtractInto(z, n, 0, product(solved, lLeft, { m: rows, k: size, n: k0 }), rows, k0);
  }
  return z;
}

/**
 * Columns k0…k0+size of every row of z, solved in place against the diagonal block L_kk (forward:
 * x·L_kkᵀ = y; backward: x·L_kk = y), returned as float32 [rows, size] for the next product.
 */
function solveDiagonalBlock(l: Float64Array, n: number, z: Float64Array, rows: number, k0: number, size: number, direction: 'forward' | 'backward'): Float32Array {
  const solved = new Float32Array(rows * size);
  for (let r = 0; r < rows; r++) {
    const row = r * n + k0;
    if (direction === 'forward') {
      for (let c = 0; c < size; c++) {
        const lc = (k0 + c) * n + k0;
        let sum = z[row + c];
        for (let p = 0; p < c; p++) sum -= z[row + p] * l[lc + p];
        z[row + c] = sum / l[lc + c];
      }
    } else {
      for (let c = size - 1; c >= 0; c--) {
        let sum = z[row + c];
        for (let p = c + 1; p < size; p++) sum -= z[row + p] * l[(k0 + p) * n + k0 + c];
        z[row + c] = sum / l[(k0 + c) * n + k0 + c];
      }
    }
    for (let c = 0; c < size; c++) solved[r * size + c] = z[row + c];
  }
  return solved;
}

/** z[:, col0 … col0+width] −= delta ([rows, width]). */
function subtractInto(z: Float64Array, n: number, col0: number, delta: Float32Array, rows: number, width: number): void {
  for (let r = 0; r < rows; r++) {
    const row = r * n + col0;
    const d = r * width;
    for (let c = 0; c < width; c++) z[row + c] -= delta[d + c];
  }
}
