import type { CancelFlag } from '../cancel.ts';
import type { ProgressCallback } from '../progress.ts';
import { Rng } from '../util/random.ts';

/**
 * Non-negative matrix factorisation for muscle synergies: E (m muscles × n samples) ≈ W (m × k) · H
 * (k × n), W, H ≥ 0, by Lee & Seung's multiplicative updates for the Frobenius loss (Lee & Seung 2001,
 * "Algorithms for non-negative matrix factorization", NIPS 13, eq. 4):
 *
 *   H ← H ∘ (WᵀE) / (WᵀW·H + ε)        W ← W ∘ (E·Hᵀ) / (W·(H·Hᵀ) + ε)
 *
 * Every k = 1…kMax is fitted from `restarts` random starts; a fit stops when its VAF changes by less
 * than `tolerance` (relative) between two checks `checkEvery` iterations apart, and the best restart
 * per k is kept. One iteration is the same on every path, in the same order — the WGSL kernels
 * (src/kernels/synergy/), the WebAssembly SIMD kernel (nmfKernel.wat, driven by nmfSimd.ts) and the
 * scalar loop `nmfFitFast` below — so each is the others' twin:
 *   1. per sample j: h_j ← h_j ∘ (Wᵀe_j) / (WᵀW·h_j + ε); accumulate E·Hᵀ and H·Hᵀ with the new H
 *   2. W ← W ∘ (E·Hᵀ) / (W·(H·Hᵀ) + ε); WᵀW from the new W
 *   3. ‖E − WH‖² = ‖E‖² − 2⟨W, E·Hᵀ⟩ + ⟨WᵀW, H·Hᵀ⟩, so VAF costs no extra pass over E.
 */
export interface NmfSettings {
  /** Fit every k = 1…kMax. */
  kMax: number;
  /** Random starts per k; multiplicative updates find local optima, so the best of many is kept. */
  restarts: number;
  maxIterations: number;
  /** Converged when |VAF − VAF at the previous check| < tolerance · |VAF| (0: run every iteration). */
  tolerance: number;
  /** Iterations between convergence checks (also how often the GPU path reads back its status). */
  checkEvery: number;
  seed: number;
}

export const DEFAULT_NMF: NmfSettings = { kMax: 8, restarts: 20, maxIterations: 500, tolerance: 1e-6, checkEvery: 20, seed: 1 };

/** Keeps denominators away from zero without changing any realistic update. */
export const NMF_EPSILON = 1e-9;
/** "No check yet": any first VAF differs from it by far more than the tolerance. */
export const NO_CHECK_YET = 3e38;
/** The kernels keep per-synergy state in fixed-size arrays: k ≤ 16 and m ≤ 32. */
export const NMF_MAX_K = 16;
export const NMF_MAX_MUSCLES = 32;

/** E as NMF sees it. */
export interface NmfData {
  /** [m, n] row-major, non-negative */
  e: Float32Array;
  m: number;
  n: number;
}

/** One (k, restart) pair: the unit of batching. */
export interface NmfProblem {
  k: number;
  restart: number;
}

export interface NmfFit {
  k: number;
  restart: number;
  /** [m, k] */
  w: Float32Array;
  /** [k, n] */
  h: Float32Array;
  vaf: number;
  iterations: number;
  converged: boolean;
}

export interface NmfRun {
  m: number;
  n: number;
  /** Best restart per k (index k − 1), W columns of unit norm, synergies by decreasing activation. */
  best: NmfFit[];
  /** VAF of every restart: [k − 1][restart] */
  vafByRestart: number[][];
  iterationsByRestart: number[][];
  backend: 'cpu' | 'webgpu';
  /** CPU threads that fitted the restarts (the pool's workers, or 1); absent on the GPU path. */
  workers?: number;
}

export interface NmfHooks {
  progress?: ProgressCallback;
  cancel?: CancelFlag;
}

/** A solver the study and the worker can swap: the CPU path below, or the WGSL one. */
export type NmfSolver = (data: NmfData, settings: NmfSettings, hooks?: NmfHooks) => Promise<NmfRun>;

export function checkNmfInput(data: NmfData, settings: NmfSettings): void {
  const { e, m, n } = data;
  if (!(Number.isInteger(m) && m >= 1 && m <= NMF_MAX_MUSCLES)) throw new RangeError(`NMF needs 1–${NMF_MAX_MUSCLES} muscles, got ${m}`);
  if (!(Number.isInteger(n) && n >= 2)) throw new RangeError(`NMF needs at least 2 samples, got ${n}`);
  if (e.length !== m * n) throw new RangeError(`E has ${e.length} values, expected ${m} × ${n}`);
  if (!(Number.isInteger(settings.kMax) && settings.kMax >= 1 && settings.kMax <= Math.min(NMF_MAX_K, m))) {
    throw new RangeError(`kMax must be an integer in 1…${Math.min(NMF_MAX_K, m)} (at most the number of muscles), got ${settings.kMax}`);
  }
  if (!(Number.isInteger(settings.restarts) && settings.restarts >= 1)) throw new RangeError(`restarts must be a positive integer, got ${settings.restarts}`);
  if (!(Number.isInteger(settings.maxIterations) && settings.maxIterations >= 1)) throw new RangeError(`maxIterations must be a positive integer`);
  if (!(Number.isInteger(settings.checkEvery) && settings.checkEvery >= 1)) throw new RangeError(`checkEvery must be a positive integer`);
  let total = 0;
  for (let i = 0; i < e.length; i++) {
    const v = e[i];
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`E must be finite and non-negative; E[${Math.floor(i / n)}, ${i % n}] = ${v}`);
    total += v;
  }
  if (total === 0) throw new RangeError('E is all zeros: there is nothing to factorise');
}

/** Problems in the order every backend uses: k = 1…kMax, restarts within each k. */
export function nmfProblems(kMax: number, restarts: number): NmfProblem[] {
  const problems: NmfProblem[] = [];
  for (let k = 1; k <= kMax; k++) for (let restart = 0; restart < restarts; restart++) problems.push({ k, restart });
  return problems;
}

/** Σ E² in float64 (the VAF denominator). */
export function sumOfSquares(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  return sum;
}

/**
 * The random start of one problem, a function of (seed, k, restart) only, so the CPU and GPU paths
 * and any subset of problems start alike. Entries are uniform on (0, s] with s = 2√(mean E / k), so
 * W₀H₀ has E's mean (cf. scikit-learn's `init='random'`).
 */
export function initialFactors(data: NmfData, problem: NmfProblem, seed: number, meanE = mean(data.e)): { w: Float32Array; h: Float32Array } {
  const { k, restart } = problem;
  const rng = new Rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(k, 0x85ebca6b) ^ Math.imul(restart + 1, 0xc2b2ae35)) >>> 0);
  const scale = 2 * Math.sqrt(meanE / k);
  const w = new Float32Array(data.m * k); // [m, k]
  const h = new Float32Array(k * data.n); // [k, n]
  for (let i = 0; i < w.length; i++) w[i] = scale * (1 - rng.next());
  for (let i = 0; i < h.length; i++) h[i] = scale * (1 - rng.next());
  return { w, h };
}

export function mean(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** WᵀW [k, k] of W [m, k], rounded to float32 as the kernels store it. */
export function gram(w: ArrayLike<number>, m: number, k: number): Float32Array {
  const out = new Float32Array(k * k);
  for (let r = 0; r < k; r++) {
    for (let s = 0; s < k; s++) {
      let sum = 0;
      for (let i = 0; i < m; i++) sum += w[i * k + r] * w[i * k + s];
      out[r * k + s] = sum;
    }
  }
  return out;
}

export interface FitControl {
  maxIterations: number;
  tolerance: number;
  checkEvery: number;
}

/** The convergence rule shared by all backends; returns the new "VAF at last check" and the verdict. */
export function convergenceCheck(iteration: number, vaf: number, vafAtCheck: number, control: FitControl): { vafAtCheck: number; converged: boolean } {
  if (iteration % control.checkEvery !== 0) return { vafAtCheck, converged: false };
  return { vafAtCheck: vaf, converged: Math.abs(vaf - vafAtCheck) < control.tolerance * Math.abs(vaf) };
}

/**
 * The reference: one problem, plain float64 matrices, the update equations as written above. Slow
 * and obviously right; tests check the fast path and the kernels against it.
 */
export function nmfReference(data: NmfData, k: number, start: { w: Float32Array; h: Float32Array }, control: FitControl): Omit<NmfFit, 'restart'> {
  const { e, m, n } = data;
  const w = Float64Array.from(start.w); // [m, k]
  const h = Float64Array.from(start.h); // [k, n]
  const normE2 = sumOfSquares(e);
  let vaf = Number.NaN;
  let vafAtCheck = NO_CHECK_YET;
  let iterations = 0;
  let converged = false;
  while (iterations < control.maxIterations && !converged) {
    const wtw = matmulAtB(w, w, m, k, k); // [k, k]
    const wte = matmulAtB(w, e, m, k, n); // [k, n]
    const wtwh = matmulAB(wtw, h, k, k, n); // [k, n]
    for (let i = 0; i < k * n; i++) h[i] *= wte[i] / (wtwh[i] + NMF_EPSILON);
    const eht = matmulABt(e, h, m, n, k); // [m, k]
    const hht = matmulABt(h, h, k, n, k); // [k, k]
    const whht = matmulAB(w, hht, m, k, k); // [m, k]
    for (let i = 0; i < m * k; i++) w[i] *= eht[i] / (whht[i] + NMF_EPSILON);
    vaf = 1 - residual(e, w, h, m, n, k) / normE2;
    iterations++;
    ({ vafAtCheck, converged } = convergenceCheck(iterations, vaf, vafAtCheck, control));
  }
  return { k, w: Float32Array.from(w), h: Float32Array.from(h), vaf, iterations, converged };
}

function matmulAB(a: ArrayLike<number>, b: ArrayLike<number>, rows: number, inner: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let p = 0; p < inner; p++) for (let j = 0; j < cols; j++) out[i * cols + j] += a[i * inner + p] * b[p * cols + j];
  return out;
}

/** Aᵀ·B with A [inner, rows], B [inner, cols]. */
function matmulAtB(a: ArrayLike<number>, b: ArrayLike<number>, inner: number, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let p = 0; p < inner; p++) for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] += a[p * rows + i] * b[p * cols + j];
  return out;
}

/** A·Bᵀ with A [rows, inner], B [cols, inner]. */
function matmulABt(a: ArrayLike<number>, b: ArrayLike<number>, rows: number, inner: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    let sum = 0;
    for (let p = 0; p < inner; p++) sum += a[i * inner + p] * b[j * inner + p];
    out[i * cols + j] = sum;
  }
  return out;
}

/** ‖E − WH‖²_F computed entry by entry. */
export function residual(e: ArrayLike<number>, w: ArrayLike<number>, h: ArrayLike<number>, m: number, n: number, k: number): number {
  let sum = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let approx = 0;
      for (let r = 0; r < k; r++) approx += w[i * k + r] * h[r * n + j];
      const d = e[i * n + j] - approx;
      sum += d * d;
    }
  }
  return sum;
}

/**
 * Steps 2 and 3 of an iteration, shared by the CPU paths: W ← W ∘ (E·Hᵀ) / (W·(H·Hᵀ) + ε) in place
 * (float32, like the kernels), from the sums of the H pass; returns the new WᵀW and the VAF.
 */
export function updateW(w: Float32Array, ehtByRow: Float64Array, hht: Float64Array, shape: { m: number; k: number; normE2: number }): { wtw: Float32Array; vaf: number } {
  const { m, k, normE2 } = shape;
  const old = Float64Array.from(w); // [m, k]
  for (let i = 0; i < m; i++) {
    for (let r = 0; r < k; r++) {
      let den = 0;
      for (let s = 0; s < k; s++) den += old[i * k + s] * hht[s * k + r];
      w[i * k + r] = (old[i * k + r] * ehtByRow[r * m + i]) / (den + NMF_EPSILON);
    }
  }
  const wtw = gram(w, m, k); // [k, k]
  let cross = 0;
  for (let i = 0; i < m; i++) for (let r = 0; r < k; r++) cross += w[i * k + r] * ehtByRow[r * m + i];
  let quadratic = 0;
  for (let i = 0; i < k * k; i++) quadratic += wtw[i] * hht[i];
  return { wtw, vaf: 1 - (normE2 - 2 * cross + quadratic) / normE2 };
}

/**
 * The scalar CPU path for one problem, for engines without WebAssembly SIMD: one fused pass over the
 * samples per iteration (E and H sample-major, so each sample's values are adjacent), float32 storage
 * like the kernels, float64 sums. `eByColumn` is E transposed, [n, m].
 */
export function nmfFitFast(data: NmfData, eByColumn: Float32Array, normE2: number, k: number, start: { w: Float32Array; h: Float32Array }, control: FitControl): Omit<NmfFit, 'restart'> {
  const { m, n } = data;
  const w = Float32Array.from(start.w); // [m, k]
  const h = new Float32Array(n * k); // [n, k], sample-major
  for (let r = 0; r < k; r++) for (let j = 0; j < n; j++) h[j * k + r] = start.h[r * n + j];
  const wByRow = new Float64Array(k * m); // Wᵀ [k, m]: the per-sample loops then run over adjacent values
  let wtw = gram(w, m, k); // [k, k]
  const ehtByRow = new Float64Array(k * m); // (E·Hᵀ)ᵀ [k, m]
  const hht = new Float64Array(k * k); // [k, k]
  const updated = new Float64Array(k);
  let vaf = Number.NaN;
  let vafAtCheck = NO_CHECK_YET;
  let iterations = 0;
  let converged = false;
  while (iterations < control.maxIterations && !converged) {
    for (let i = 0; i < m; i++) for (let r = 0; r < k; r++) wByRow[r * m + i] = w[i * k + r];
    ehtByRow.fill(0);
    hht.fill(0);
    for (let j = 0; j < n; j++) {
      const eOff = j * m;
      const hOff = j * k;
      for (let r = 0; r < k; r++) {
        let num = 0;
        const wOff = r * m;
        for (let i = 0; i < m; i++) num += wByRow[wOff + i] * eByColumn[eOff + i];
        let den = 0;
        const gOff = r * k;
        for (let s = 0; s < k; s++) den += wtw[gOff + s] * h[hOff + s];
        updated[r] = (h[hOff + r] * num) / (den + NMF_EPSILON);
      }
      for (let r = 0; r < k; r++) h[hOff + r] = updated[r];
      for (let r = 0; r < k; r++) {
        const hr = h[hOff + r];
        if (hr === 0) continue;
        const aOff = r * m;
        for (let i = 0; i < m; i++) ehtByRow[aOff + i] += eByColumn[eOff + i] * hr;
        const gOff = r * k;
        for (let s = 0; s <= r; s++) hht[gOff + s] += hr * h[hOff + s];
      }
    }
    for (let r = 0; r < k; r++) for (let s = r + 1; s < k; s++) hht[r * k + s] = hht[s * k + r];
    ({ wtw, vaf } = updateW(w, ehtByRow, hht, { m, k, normE2 }));
    iterations++;
    ({ vafAtCheck, converged } = convergenceCheck(iterations, vaf, vafAtCheck, control));
  }
  const hByRow = new Float32Array(k * n);
  for (let r = 0; r < k; r++) for (let j = 0; j < n; j++) hByRow[r * n + j] = h[j * k + r];
  return { k, w, h: hByRow, vaf, iterations, converged };
}

/** E [m, n] → [n, m]. */
export function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = values[i * cols + j];
  return out;
}

/** Collects restarts, keeps the best per k, and normalises the winners. */
export class BestFits {
  private readonly best: (NmfFit | undefined)[];
  private readonly vafs: number[][];
  private readonly iterations: number[][];

  constructor(
    private readonly data: NmfData,
    settings: Pick<NmfSettings, 'kMax' | 'restarts'>,
  ) {
    this.best = new Array(settings.kMax).fill(undefined);
    this.vafs = Array.from({ length: settings.kMax }, () => new Array(settings.restarts).fill(Number.NaN));
    this.iterations = Array.from({ length: settings.kMax }, () => new Array(settings.restarts).fill(0));
  }

  /** Records a restart's VAF and iteration count. */
  record(k: number, restart: number, vaf: number, iterations: number): void {
    this.vafs[k - 1][restart] = vaf;
    this.iterations[k - 1][restart] = iterations;
  }

  /** VAF of the best fit kept so far for k (−∞ when none): a fit worth reading back must beat it. */
  bestVaf(k: number): number {
    return this.best[k - 1]?.vaf ?? -Infinity;
  }

  add(fit: NmfFit): void {
    this.record(fit.k, fit.restart, fit.vaf, fit.iterations);
    if (fit.vaf > this.bestVaf(fit.k)) this.best[fit.k - 1] = fit;
  }

  finish(backend: NmfRun['backend']): NmfRun {
    const best = this.best.map((fit, index) => {
      if (!fit) throw new Error(`no fit for k = ${index + 1}`);
      return normaliseFit(fit, this.data.m, this.data.n);
    });
    return { m: this.data.m, n: this.data.n, best, vafByRestart: this.vafs, iterationsByRestart: this.iterations, backend };
  }
}

/**
 * W columns scaled to unit norm with the scale moved into H (so WH is unchanged and H carries the
 * activation level), synergies sorted by decreasing total activation.
 */
export function normaliseFit(fit: NmfFit, m: number, n: number): NmfFit {
  const { k } = fit;
  const norms = Array.from({ length: k }, (_, r) => {
    let sum = 0;
    for (let i = 0; i < m; i++) sum += fit.w[i * k + r] ** 2;
    return Math.sqrt(sum);
  });
  const activation = norms.map((norm, r) => {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += fit.h[r * n + j];
    return sum * norm;
  });
  const order = activation.map((_, r) => r).sort((a, b) => activation[b] - activation[a]);
  const w = new Float32Array(m * k);
  const h = new Float32Array(k * n);
  order.forEach((r, target) => {
    const norm = norms[r];
    for (let i = 0; i < m; i++) w[i * k + target] = norm > 0 ? fit.w[i * k + r] / norm : 0;
    for (let j = 0; j < n; j++) h[target * n + j] = fit.h[r * n + j] * norm;
  });
  return { ...fit, w, h };
}
