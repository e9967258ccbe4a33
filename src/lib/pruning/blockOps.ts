/**
 * CPU twins of the building blocks of the GPU restoration solve (src/kernels/pruning/): the block
 * update (blockUpdate.wgsl), the row-wise triangular solve against a diagonal block
 * (triangularSolve.wgsl) and out += α·x (addScaled.wgsl). Row-major, float64 arithmetic.
 */

/** Operands are blocks of larger row-major matrices: a row offset, a column offset, a leading dimension. */
export interface BlockUpdateSpec {
  m: number;
  n: number;
  k: number;
  lda: number;
  ldb: number;
  ldc: number;
  aRow: number;
  aCol: number;
  bRow: number;
  bCol: number;
  cRow: number;
  cCol: number;
  /** C −= A·B instead of C −= A·Bᵀ. */
  plainB?: boolean;
  /** Only entries with r ≥ c of the m×n block of C. */
  lower?: boolean;
}

export function blockUpdateCpu(c: Float32Array, a: ArrayLike<number>, b: ArrayLike<number>, spec: BlockUpdateSpec): Float32Array {
  const { m, n, k, lda, ldb, ldc, aRow, aCol, bRow, bCol, cRow, cCol } = spec;
  for (let r = 0; r < m; r++) {
    for (let col = 0; col < n; col++) {
      if (spec.lower && col > r) continue;
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const bValue = spec.plainB ? b[(bRow + p) * ldb + bCol + col] : b[(bRow + col) * ldb + bCol + p];
        sum += a[(aRow + r) * lda + aCol + p] * bValue;
      }
      c[(cRow + r) * ldc + cCol + col] -= sum;
    }
  }
  return c;
}

/**
 * In place on `size` columns (from colOffset) of `rows` rows (from rowOffset) of X: each row x becomes
 * the solution of x·L_kkᵀ = y (forward) or x·L_kk = y (backward), with L_kk [size, size] lower triangular.
 */
export function triangularSolveCpu(
  lkk: ArrayLike<number>,
  x: Float32Array,
  spec: { rows: number; ldx: number; rowOffset: number; colOffset: number; size: number; backward?: boolean },
): Float32Array {
  const { rows, ldx, rowOffset, colOffset, size: b } = spec;
  const v = new Float64Array(b);
  for (let r = 0; r < rows; r++) {
    const base = (rowOffset + r) * ldx + colOffset;
    for (let c = 0; c < b; c++) v[c] = x[base + c];
    if (spec.backward) {
      for (let c = b - 1; c >= 0; c--) {
        let sum = v[c];
        for (let p = c + 1; p < b; p++) sum -= v[p] * lkk[p * b + c];
        v[c] = sum / lkk[c * b + c];
      }
    } else {
      for (let c = 0; c < b; c++) {
        let sum = v[c];
        for (let p = 0; p < c; p++) sum -= v[p] * lkk[c * b + p];
        v[c] = sum / lkk[c * b + c];
      }
    }
    for (let c = 0; c < b; c++) x[base + c] = v[c];
  }
  return x;
}

export function addScaledCpu(out: Float32Array, x: ArrayLike<number>, alpha: number): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] += alpha * x[i];
  return out;
}
