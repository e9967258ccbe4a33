import { InputError } from '../errors.ts';
import type { CalibrationStats } from './calibrationStats.ts';
import { choleskyFactor, NotPositiveDefinite, relativeResidual, solveRightCholesky } from './cholesky.ts';
import { gatherSubmatrix } from './compaction.ts';
import { complementOf } from './topK.ts';

/**
 * FASP's restoration (issue #4, §3). With G = XᵀX over the calibration tokens, kept set K and dropped
 * set D of the consumer's input columns:
 *
 *   W'_{:,K} = W_{:,K} + W_{:,D} · G_{D,K} · (G_{K,K} + λI)⁻¹,   λ = δ · mean(diag G_{K,K})
 *
 * With λ = 0 this is the least-squares fit of the dense output X·Wᵀ on the kept inputs X_{:,K}
 * (normal equations: W'_K G_KK = W G_{:,K} = W_K G_KK + W_D G_DK). The damping only regularises the
 * compensation term, so nothing changes when D is empty.
 *
 * `refitBias` augments X with a constant column (the bias is the weight of that column): its Gram row
 * is (colSum, T), it is always kept, and it is not damped, so the bias takes up the mean of what the
 * dropped channels contributed. Everything here is float64.
 */
export interface RestorationOptions {
  /** δ in λ = δ·mean(diag G_KK); 0 gives the exact least-squares fit (needs G_KK non-singular). */
  dampingDelta: number;
  refitBias: boolean;
}

export const DEFAULT_DAMPING_DELTA = 0.01;

export interface RestorationInput {
  weight: Float32Array; // [dOut, n]
  bias: Float32Array; // [dOut]
  dOut: number;
  n: number;
  /** Ascending. */
  kept: Int32Array;
  stats: CalibrationStats;
}

export interface RestorationResult {
  weightKept: Float32Array; // [dOut, |K|]
  bias: Float32Array; // [dOut]
  lambda: number;
  /** ‖Z·A − M‖_F / ‖M‖_F of the solve Z·(G_KK + λI) = W_D·G_DK (absent where the solver was not asked for it). */
  relativeResidual?: number;
  timingsMs: { assemble: number; factor: number; solve: number };
}

export function restoreCpu(input: RestorationInput, options: RestorationOptions): RestorationResult {
  const system = assembleRestoration(input, options);
  if (system.dropped.length === 0) return unchangedRestoration(input, system.lambda);
  const { dOut, weight, n } = input;
  const { size, dropped, gramDK, a } = system;
  let started = performance.now();
  const m = new Float64Array(dOut * size); // W_D · G_DK  [dOut, size]
  for (let r = 0; r < dOut; r++) {
    const out = r * size;
    for (let p = 0; p < dropped.length; p++) {
      const w = weight[r * n + dropped[p]];
      if (w === 0) continue;
      const g = p * size;
      for (let c = 0; c < size; c++) m[out + c] += w * gramDK[g + c];
    }
  }
  const timingsMs = { assemble: system.assembleMs + performance.now() - started, factor: 0, solve: 0 };

  started = performance.now();
  const l = factorOrExplain(() => choleskyFactor(a, size), options);
  timingsMs.factor = performance.now() - started;

  started = performance.now();
  const z = solveRightCholesky(l, size, m, dOut); // (G_KK + λI)⁻¹ applied from the right  [dOut, size]
  const residual = relativeResidual(z, a, m, dOut, size);
  timingsMs.solve = performance.now() - started;
  return { ...applyCorrection(input, system, z), lambda: system.lambda, relativeResidual: residual, timingsMs };
}

/**
 * The linear system of the restoration, shared by the float64 solve here and the blocked one
 * (blockedRestoration.ts): Z·A = W_D·G_DK with A = G_KK + λI over the augmented kept set (the kept
 * columns, then, with refitBias, the constant column n).
 */
export interface RestorationSystem {
  size: number;
  keptCount: number;
  dropped: Int32Array;
  lambda: number;
  /** G_KK + λI  [size, size]. */
  a: Float64Array;
  /** G_{D,K}  [|D|, size]. */
  gramDK: Float64Array;
  assembleMs: number;
}

export function assembleRestoration(input: RestorationInput, options: RestorationOptions): RestorationSystem {
  const started = performance.now();
  const { n, kept, stats } = input;
  const gram = stats.gram;
  if (!gram || stats.width !== n) throw new RangeError(`restoration: needs the Gram of width ${n}`);
  if (!(options.dampingDelta >= 0)) throw new InputError('damping δ must be a non-negative number', `got ${options.dampingDelta}`);
  const dropped = complementOf(kept, n);
  const keptCount = kept.length;
  const lambda = options.dampingDelta * meanDiagonal(gram, n, kept);
  const size = keptCount + (options.refitBias ? 1 : 0);
  if (dropped.length === 0) return { size, keptCount, dropped, lambda, a: new Float64Array(0), gramDK: new Float64Array(0), assembleMs: 0 };
  const a = new Float64Array(size * size); // G_KK + λI  [size, size]
  gatherGramRows(a, kept, { gram, colSum: stats.colSum, n, size });
  for (let r = 0; r < keptCount; r++) a[r * size + r] += lambda;
  if (size > keptCount) {
    // The constant column's row: (colSum_K, T), undamped.
    for (let c = 0; c < keptCount; c++) a[keptCount * size + c] = stats.colSum[kept[c]];
    a[keptCount * size + keptCount] = stats.tokens;
  }
  const gramDK = new Float64Array(dropped.length * size); // G_{D,K}  [|D|, size]
  gatherGramRows(gramDK, dropped, { gram, colSum: stats.colSum, n, size }, kept);
  return { size, keptCount, dropped, lambda, a, gramDK, assembleMs: performance.now() - started };
}

/**
 * out[p, :] = (G[rows[p], K], colSum[rows[p]]) for each p: rows of G restricted to the kept columns K
 * (`kept`, default `rows` itself), then, when `size` has room, the constant column's entry.
 */
function gatherGramRows(out: Float64Array, rows: Int32Array, source: { gram: Float64Array; colSum: Float64Array; n: number; size: number }, kept: Int32Array = rows): void {
  const { gram, colSum, n, size } = source;
  const keptCount = kept.length;
  for (let p = 0; p < rows.length; p++) {
    const from = rows[p] * n;
    const to = p * size;
    for (let c = 0; c < keptCount; c++) out[to + c] = gram[from + kept[c]];
    if (size > keptCount) out[to + keptCount] = colSum[rows[p]];
  }
}

/** The result when nothing was dropped: W_K = W, the bias as it was. */
export function unchangedRestoration(input: RestorationInput, lambda: number): RestorationResult {
  const { weight, bias, dOut, n, kept } = input;
  const timingsMs = { assemble: 0, factor: 0, solve: 0 };
  return { weightKept: gatherSubmatrix(weight, { rows: dOut, cols: n }, { cols: kept }), bias: bias.slice(), lambda, relativeResidual: 0, timingsMs };
}

/** W'_K = W_K + Z_{:, kept}, and (with refitBias) b' = b + Z_{:, constant column}. */
export function applyCorrection(input: RestorationInput, system: RestorationSystem, z: ArrayLike<number>): { weightKept: Float32Array; bias: Float32Array } {
  const { weight, bias, dOut, n, kept } = input;
  const { size, keptCount } = system;
  const weightKept = new Float32Array(dOut * keptCount);
  const newBias = bias.slice();
  for (let r = 0; r < dOut; r++) {
    for (let c = 0; c < keptCount; c++) weightKept[r * keptCount + c] = weight[r * n + kept[c]] + z[r * size + c];
    if (size > keptCount) newBias[r] = bias[r] + z[r * size + keptCount];
  }
  return { weightKept, bias: newBias };
}

/** Runs a factorisation; a matrix that is not positive definite becomes an InputError that says what to change. */
export function factorOrExplain<T>(factor: () => T, options: RestorationOptions): T {
  try {
    return factor();
  } catch (error) {
    if (!(error instanceof NotPositiveDefinite)) throw error;
    throw new InputError('Restoration failed: G_KK + λI is not positive definite', `${error.message}. Increase the damping δ (now ${options.dampingDelta}) or use more calibration tokens.`);
  }
}

function meanDiagonal(gram: Float64Array, n: number, kept: Int32Array): number {
  if (kept.length === 0) return 0;
  let sum = 0;
  for (const j of kept) sum += gram[j * n + j];
  return sum / kept.length;
}
