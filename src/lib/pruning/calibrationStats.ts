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
    this.gram = options.gram ? new Float64Array(width * width) : undefined;
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

/** G[i, j] += Σ_t x[t, i] · x[t, j] for j ≥ i (the upper triangle; with a product, some of the lower too). */
function accumulateGramUpper(gram: Float64Array, x: Float32Array, rows: number, n: number, product?: DenseProduct): void {
  let nonZeros = 0;
  for (let i = 0; i < rows * n; i++) if (x[i] !== 0) nonZeros++;
  const sparseBelow = product ? SPARSE_DENSITY_WITH_PRODUCT : SPARSE_DENSITY;
  if (nonZeros <= sparseBelow * rows * n) accumulateGramSparse(gram, x, rows, n);
  else if (product) accumulateGramProduct(gram, x, rows, n, product);
  else accumulateGramDense(gram, x, rows, n);
}

/**
 * The upper block rows of XᵀX as plain products: Xᵀ is formed once, then block row i is
 * Xᵀ[rows of block i] · X[:, from block i on] — about (b + 1)/(2b) of the full product for b blocks.
 */
function accumulateGramProduct(gram: Float64Array, x: Float32Array, rows: number, n: number, product: DenseProduct): void {
  const xt = new Float32Array(n * rows); // [n, rows]
  for (let t = 0; t < rows; t++) for (let j = 0; j < n; j++) xt[j * rows + t] = x[t * n + j];
  const blocks = n >= 512 ? 4 : n >= 256 ? 2 : 1;
  const blockSize = Math.ceil(n / blocks);
  for (let i0 = 0; i0 < n; i0 += blockSize) {
    const i1 = Math.min(n, i0 + blockSize);
    const width = n - i0;
    let suffix = x.subarray(0, rows * n); // X[:, i0:]  [rows, width]
    if (i0 > 0) {
      suffix = new Float32Array(rows * width);
      for (let t = 0; t < rows; t++) suffix.set(x.subarray(t * n + i0, (t + 1) * n), t * width);
    }
    const block = product(xt.subarray(i0 * rows, i1 * rows), suffix, { m: i1 - i0, k: rows, n: width }); // [i1 − i0, width]
    for (let i = i0; i < i1; i++) {
      const out = i * n + i0;
      const from = (i - i0) * width;
      for (let c = 0; c < width; c++) gram[out + c] += block[from + c];
    }
  }
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
