import { blockedCholesky, blockedSolveRight, DEFAULT_CHOLESKY_BLOCK } from './blockedCholesky.ts';
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

export function blockedRestorationSolver(product: DenseProduct, blocked: BlockedRestorationOptions = {}): RestorationSolver {
  return async (input, options) => restoreBlocked(input, options, product, blocked);
}
