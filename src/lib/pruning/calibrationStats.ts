import { InputError } from '../errors.ts';
import type { DenseProduct } from './denseProduct.ts';

/**
 * Streaming statistics of one consumer's inputs X (one row per calibration token, `width` columns),
 * accumulated chunk by chunk so memory is O(width² + chunk), never O(tokens · width) (issue #4).
 *
 *   gram      G = XᵀX                [width, width], symmetric (both triangles filled by `finish`)
 *   colSum    Σ_t X_{t,j}             mean(X_{:,j}) for FLAP's bias compensation and variance
 *   colSumSq  Σ_t X_{t,j}² = ‖X_{:,j}‖₂²   the Wanda/FASP activation norm; FLAP's variance
 *   tokens    T
 *
 * Everything is summed in float64: G sums T products per entry and the restoration solve is only as
 * good as G. The GPU twin (src/kernels/pruning/gram.wgsl) accumulates in f32.
 */
export interface CalibrationStats {
  width: number;
  tokens: number;
  colSum: Float64Array; // [width]
  colSumSq: Float64Array; // [width]
  /** Absent when the method needs no Gram (every method but FASP with restoration). */
  gram?: Float64Array; // [width, width]
}

export interface AccumulatorOptions {
  gram: boolean;
  /**
   * Dense chunks go through this product (tfjs-wasm on the fast CPU path) in float32, summed into
   * the float64 Gram chunk by chunk; without it they take the float64 loop below.
   */
  product?: DenseProduct;
  /**
   * Zeros of length width² to accumulate G into (instead of a new array): a statistics thread writes
   * one ahead of time, in its idle time, so the first pass over a fresh 75 MB Gram does not pay the page
   * faults while the layer runs (statsThread.ts).
   */
  gramStorage?: Float64Array;
}

export class CalibrationStatsAccumulator {
  readonly colSum: Float64Array;
  readonly colSumSq: Float64Array;
  readonly gram: Float64Array | undefined;
  tokens = 0;
  private finished = false;
  private readonly product: DenseProduct | undefined;

  constructor(
    readonly width: number,
    options: AccumulatorOptions,
  ) {
    if (!Number.isInteger(width) || width < 1) throw new RangeError(`calibration stats: width must be a positive integer, got ${width}`);
    this.colSum = new Float64Array(width);
    this.colSumSq = new Float64Array(width);
    if (options.gramStorage && options.gramStorage.length !== width * width) throw new RangeError(`calibration stats: gram storage has ${options.gramStorage.length} entries, expected ${width}×${width}`);
    this.gram = options.gram ? (options.gramStorage ?? new Float64Array(width * width)) : undefined;
    this.product = options.product;
  }

  /** Adds `rows` tokens: `x` is row-major [rows, width]. */
  add(x: Float32Array, rows: number): void {
    if (this.finished) throw new Error('calibration stats: add after finish');
    const n = this.width;
    if (x.length < rows * n) throw new RangeError(`calibration stats: chunk has ${x.length} values, needs ${rows}×${n}`);
    for (let t = 0; t < rows; t++) {
      const row = t * n;
      for (let j = 0; j < n; j++) {
        const value = x[row + j];
        if (!Number.isFinite(value)) {
          throw new InputError('Calibration activations contain non-finite values', `token ${this.tokens + t}, channel ${j}: ${value}`);
        }
        this.colSum[j] += value;
        this.colSumSq[j] += value * value;
      }
    }
    if (this.gram) accumulateGramUpper(this.gram, x, rows, n, this.product);
    this.tokens += rows;
  }

  /** The statistics, with G's lower triangle mirrored from the upper one that `add` fills. */
  finish(): CalibrationStats {
    if (this.gram && !this.finished) mirrorUpperToLower(this.gram, this.width);
    this.finished = true;
    return { width: this.width, tokens: this.tokens, colSum: this.colSum, colSumSq: this.colSumSq, gram: this.gram };
  }
}

/**
 * Below this fraction of non-zeros a chunk is accumulated token by token over its non-zeros only:
 * fc2's inputs come after a ReLU and are mostly zero in trained OPT models. With a fast dense product
 * the break-even is lower (the sparse loop does density²/2 of the work at ~1/40 of the speed).
 */
const SPARSE_DENSITY = 0.2;
const SPARSE_DENSITY_WITH_PRODUCT = 0.12;

/** G[i, j] += Σ_t x[t, i] · x[t, j] for j ≥ i (the upper triangle). */
function accumulateGramUpper(gram: Float64Array, x: Float32Array, rows: number, n: number, product?: DenseProduct): void {
  let nonZeros = 0;
  for (let i = 0; i < rows * n; i++) if (x[i] !== 0) nonZeros++;
  const sparseBelow = product ? SPARSE_DENSITY_WITH_PRODUCT : SPARSE_DENSITY;
  if (nonZeros <= sparseBelow * rows * n) accumulateGramSparse(gram, x, rows, n);
  else if (product) accumulateGramProduct(gram, x, rows, n, product);
  else accumulateGramDense(gram, x, rows, n);
}

/**
 * The upper triangle of XᵀX as a blocked SYRK on plain products: with Xᵀ formed once ([n, rows]),
 * column block j of G above and on the diagonal is G[0:j1, j0:j1] = Xᵀ[0:j1, :] · X[:, j0:j1] — a
 * prefix of Xᵀ's rows (contiguous, no copy) times a column block of X. Summed over the blocks this is
 * (b + 1)/(2b) of the full product for b blocks, and every output row is written contiguously.
 */
function accumulateGramProduct(gram: Float64Array, x: Float32Array, rows: number, n: number, product: DenseProduct): void {
  const xt = transposeChunk(x, rows, n); // [n, rows]
  const blockWidth = gramBlockWidth(n);
  const columns = new Float32Array(rows * blockWidth);
  for (let j0 = 0; j0 < n; j0 += blockWidth) {
    const j1 = Math.min(n, j0 + blockWidth);
    const width = j1 - j0;
    const xBlock = columns.subarray(0, rows * width); // X[:, j0:j1]  [rows, width]
    for (let t = 0; t < rows; t++) xBlock.set(x.subarray(t * n + j0, t * n + j1), t * width);
    const block = product(xt.subarray(0, j1 * rows), xBlock, { m: j1, k: rows, n: width }); // G[0:j1, j0:j1]
    for (let i = 0; i < j1; i++) {
      // Row i owns columns max(i, j0)…j1 − 1 of the upper triangle.
      const from = Math.max(0, i - j0);
      const out = i * n + j0;
      const src = i * width;
      for (let c = from; c < width; c++) gram[out + c] += block[src + c];
    }
  }
}

/**
 * Column-block width of the SYRK: narrow blocks waste less of the square (the diagonal blocks are
 * computed whole), wide ones keep the products efficient; 256 is where tfjs-wasm's products stay near
 * their peak on this project's shapes.
 */
export function gramBlockWidth(n: number): number {
  if (n <= 384) return n;
  return 256;
}

/** x [rows, n] → xᵀ [n, rows], in 32 × 32 tiles so both sides stay in cache. */
function transposeChunk(x: Float32Array, rows: number, n: number): Float32Array {
  const xt = new Float32Array(n * rows);
  const tile = 32;
  for (let t0 = 0; t0 < rows; t0 += tile) {
    const t1 = Math.min(rows, t0 + tile);
    for (let j0 = 0; j0 < n; j0 += tile) {
      const j1 = Math.min(n, j0 + tile);
      for (let t = t0; t < t1; t++) {
        const row = t * n;
        for (let j = j0; j < j1; j++) xt[j * rows + t] = x[row + j];
      }
    }
  }
  return xt;
}

/** One rank-1 update per token, restricted to its non-zero entries (ascending, so j ≥ i is a suffix). */
function accumulateGramSparse(gram: Float64Array, x: Float32Array, rows: number, n: number): void {
  const index = new Int32Array(n);
  const value = new Float64Array(n);
  for (let t = 0; t < rows; t++) {
    let count = 0;
    for (let j = 0; j < n; j++) {
      const v = x[t * n + j];
      if (v !== 0) {
        index[count] = j;
        value[count++] = v;
      }
    }
    for (let a = 0; a < count; a++) {
      const row = index[a] * n;
      const va = value[a];
      for (let b = a; b < count; b++) gram[row + index[b]] += va * value[b];
    }
  }
}

/**
 * The chunk is transposed first so every dot product runs over two contiguous rows, and four rows i
 * share each pass over row j (register blocking).
 */
function accumulateGramDense(gram: Float64Array, x: Float32Array, rows: number, n: number): void {
  const xt = new Float64Array(n * rows); // [n, rows]
  for (let t = 0; t < rows; t++) for (let j = 0; j < n; j++) xt[j * rows + t] = x[t * n + j];
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const r0 = i * rows;
    const r1 = r0 + rows;
    const r2 = r1 + rows;
    const r3 = r2 + rows;
    for (let j = i; j < n; j++) {
      const rj = j * rows;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let t = 0; t < rows; t++) {
        const v = xt[rj + t];
        s0 += xt[r0 + t] * v;
        s1 += xt[r1 + t] * v;
        s2 += xt[r2 + t] * v;
        s3 += xt[r3 + t] * v;
      }
      // Rows i+1.. i+3 only own entries at or right of their diagonal.
      gram[i * n + j] += s0;
      if (j >= i + 1) gram[(i + 1) * n + j] += s1;
      if (j >= i + 2) gram[(i + 2) * n + j] += s2;
      if (j >= i + 3) gram[(i + 3) * n + j] += s3;
    }
  }
  for (; i < n; i++) {
    const ri = i * rows;
    for (let j = i; j < n; j++) {
      const rj = j * rows;
      let s = 0;
      for (let t = 0; t < rows; t++) s += xt[ri + t] * xt[rj + t];
      gram[i * n + j] += s;
    }
  }
}

function mirrorUpperToLower(gram: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) gram[i * n + j] = gram[j * n + i];
}

/**
 * CPU twin of the Gram kernel (src/kernels/pruning/gram.wgsl): `gram += xᵀx` for a chunk [rows, n],
 * both triangles, summed in float64 and stored into the f32 accumulator the GPU also uses.
 */
export function gramAccumulateCpu(gram: Float32Array, x: Float32Array, rows: number, n: number): Float32Array {
  if (gram.length !== n * n) throw new RangeError(`gram: accumulator has ${gram.length} entries, expected ${n}×${n}`);
  const upper = new Float64Array(n * n);
  accumulateGramUpper(upper, x, rows, n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      gram[i * n + j] += upper[i * n + j];
      if (j !== i) gram[j * n + i] += upper[i * n + j];
    }
  }
  return gram;
}
