import { blockedCholesky, blockedSolveRight, DEFAULT_CHOLESKY_BLOCK, type BlockedFactor } from './blockedCholesky.ts';
import type { DenseProduct } from './denseProduct.ts';
import type { RestorationSolver } from './methods.ts';
import { applyCorrection, assembleRestoration, factorOrExplain, unchangedRestoration, type RestorationInput, type RestorationOptions, type RestorationResult } from './restoration.ts';

/**
 * FASP's restoration on the fast CPU path (issue #4 §3, DESIGN §2): the same system as `restoreCpu`
 * (W'_K = W_K + W_D G_DK (G_KK + λI)⁻¹, assembled in float64), with its three heavy steps as dense
 * products — M = W_D·G_DK, the blocked Cholesky of G_KK + λI and the blocked solve Z·A = M — and,
 * when asked, the relative residual ‖Z·A − M‖_F / ‖M‖_F from one more product (rows·n² multiply-adds,
 * as much as one triangular solve, so it is off unless a test or report wants it). Products are
 * float32 (tfjs-wasm), so the residual is what says the solve is good (≈1e-6 on OPT layers;
 * `restoreCpu` gets ≈1e-15).
 */
export interface BlockedRestorationOptions {
  /** Leaf size of the recursive factorisation and solves (blockedCholesky.ts). */
  block?: number;
  /** Compute ‖Z·A − M‖_F / ‖M‖_F (default false). */
  residual?: boolean;
}

export function restoreBlocked(input: RestorationInput, options: RestorationOptions, product: DenseProduct, blocked: BlockedRestorationOptions = {}): RestorationResult {
  const block = blocked.block ?? DEFAULT_CHOLESKY_BLOCK;
  const system = assembleRestoration(input, options);
  if (system.dropped.length === 0) return unchangedRestoration(input, system.lambda);
  const { weight, dOut, n } = input;
  const { size, dropped, gramDK, a } = system;

  let started = performance.now();
  const weightD = new Float32Array(dOut * dropped.length); // W_D  [dOut, |D|]
  for (let r = 0; r < dOut; r++) for (let p = 0; p < dropped.length; p++) weightD[r * dropped.length + p] = weight[r * n + dropped[p]];
  const m = product(weightD, Float32Array.from(gramDK), { m: dOut, k: dropped.length, n: size }); // W_D G_DK  [dOut, size]
  const timingsMs = { assemble: system.assembleMs + performance.now() - started, factor: 0, solve: 0 };

  started = performance.now();
  const factor = factorOrExplain(() => blockedCholesky(a, size, product, block), options);
  timingsMs.factor = performance.now() - started;

  started = performance.now();
  const z = blockedSolveRight(factor, m, dOut, product); // [dOut, size]
  const residual = blocked.residual ? productResidual(z, a, m, { rows: dOut, n: size }, product) : undefined;
  timingsMs.solve = performance.now() - started;
  return { ...applyCorrection(input, system, z), lambda: system.lambda, relativeResidual: residual, timingsMs };
}

/** ‖Z·A − M‖_F / ‖M‖_F with Z·A as one float32 product. */
function productResidual(z: Float64Array, a: Float64Array, m: Float32Array, shape: { rows: number; n: number }, product: DenseProduct): number {
  const za = product(Float32Array.from(z), Float32Array.from(a), { m: shape.rows, k: shape.n, n: shape.n });
  let residual = 0;
  let reference = 0;
  for (let i = 0; i < za.length; i++) {
    residual += (za[i] - m[i]) ** 2;
    reference += m[i] * m[i];
  }
  return reference === 0 ? Math.sqrt(residual) : Math.sqrt(residual / reference);
}

/**
 * A second thread's share of one restoration (statsThread.ts): M's lower rows, then their solve. The
 * rows of Z·A = M are independent right-hand sides, so they split between threads with no change in
 * what each row computes.
 */
export interface RestorationHelper {
  /** Starts M_rows = W_D,rows · G_DK [m, n] on the other thread (k = |D|); the arrays become the helper's. */
  beginProduct(weightD: Float32Array, gramDK: Float32Array, dims: { m: number; k: number; n: number }): RestorationShare;
}

export interface RestorationShare {
  /** Z_rows with Z_rows·A = M_rows, once the factor of A is known. */
  solve(factor: BlockedFactor): Promise<Float64Array>;
  /** Forgets M_rows (the factorisation failed). */
  discard(): void;
}

/**
 * `restoreBlocked` on two threads: the helper computes the lower half of M = W_D·G_DK while this thread
 * computes the upper half and factors G_KK + λI, then each solves its half of the rows. The same numbers
 * as one thread where the products give each output row the same result whatever the row count
 * (tfjs-wasm's do: tests/unit/statsThread.test.ts). No residual here (`restoreBlocked` has it).
 */
export async function restoreBlockedSplit(input: RestorationInput, options: RestorationOptions, product: DenseProduct, helper: RestorationHelper, blocked: BlockedRestorationOptions = {}): Promise<RestorationResult> {
  const block = blocked.block ?? DEFAULT_CHOLESKY_BLOCK;
  const system = assembleRestoration(input, options);
  if (system.dropped.length === 0) return unchangedRestoration(input, system.lambda);
  const { weight, dOut, n } = input;
  const { size, dropped, gramDK, a } = system;
  const k = dropped.length;

  let started = performance.now();
  const upper = Math.ceil(dOut / 2); // rows solved here; the rest on the helper
  const lower = dOut - upper;
  const weightD = (from: number, to: number) => {
    const out = new Float32Array((to - from) * k); // W_D rows [from, to)
    for (let r = from; r < to; r++) for (let p = 0; p < k; p++) out[(r - from) * k + p] = weight[r * n + dropped[p]];
    return out;
  };
  const gramDK32 = Float32Array.from(gramDK);
  const share = lower > 0 ? helper.beginProduct(weightD(upper, dOut), gramDK32.slice(), { m: lower, k, n: size }) : undefined;
  const mUpper = product(weightD(0, upper), gramDK32, { m: upper, k, n: size }); // W_D G_DK, upper rows  [upper, size]
  const timingsMs = { assemble: system.assembleMs + performance.now() - started, factor: 0, solve: 0 };

  started = performance.now();
  let factor: BlockedFactor;
  try {
    factor = factorOrExplain(() => blockedCholesky(a, size, product, block), options);
  } catch (error) {
    share?.discard();
    throw error;
  }
  timingsMs.factor = performance.now() - started;

  started = performance.now();
  const zLower = share?.solve(factor);
  zLower?.catch(() => {}); // awaited below; a failure here must not go unhandled while this thread solves
  const zUpper = blockedSolveRight(factor, mUpper, upper, product);
  const z = new Float64Array(dOut * size); // [dOut, size]
  z.set(zUpper);
  if (zLower) z.set(await zLower, upper * size);
  timingsMs.solve = performance.now() - started;
  return { ...applyCorrection(input, system, z), lambda: system.lambda, relativeResidual: undefined, timingsMs };
}

/** The CPU path's restoration: on this thread, or split with a helper thread (no residual then). */
export function blockedRestorationSolver(product: DenseProduct, blocked: BlockedRestorationOptions & { helper?: RestorationHelper } = {}): RestorationSolver {
  const { helper, ...rest } = blocked;
  if (helper && !rest.residual) return (input, options) => restoreBlockedSplit(input, options, product, helper, rest);
  return async (input, options) => restoreBlocked(input, options, product, rest);
}
