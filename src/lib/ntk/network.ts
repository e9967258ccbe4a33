import { Rng } from '../util/random.ts';
import { meanSquared, trainLoss, type CurvePoint } from './kernelGd.ts';

/**
 * The two-layer ReLU network of the paper:
 *   f(x) = (1/√m) Σ_r a_r ReLU(w_rᵀx),   a_r = ±1 fixed,  w_r(0) ~ N(0, I_d),
 * with symmetric initialisation (neuron r + m/2 copies w_r with a = −1) so f_0 ≡ 0. Only W is trained,
 * by full-batch GD with constant step η on L(W) = (1/2n) Σ_i (f(x_i) − y_i)²:
 *   ∂L/∂w_r = (1/n) Σ_i (f(x_i) − y_i) · (a_r/√m) · 1{w_rᵀx_i > 0} · x_i.
 * CPU path: typed-array loops (d is small, so a step is two passes over [m, n] of d-long dot products).
 */
export interface TwoLayerNet {
  m: number;
  d: number;
  w: Float64Array; // [m, d]
  a: Float64Array; // [m]  ±1
}

export function initNetwork(options: { m: number; d: number; seed: number }): TwoLayerNet {
  const { m, d, seed } = options;
  if (!Number.isInteger(m) || m < 2 || m % 2 !== 0) throw new RangeError(`the width m must be an even integer ≥ 2, got ${m}`);
  const rng = new Rng(seed);
  const half = m / 2;
  const w = new Float64Array(m * d);
  const a = new Float64Array(m);
  for (let r = 0; r < half; r++) {
    for (let k = 0; k < d; k++) w[r * d + k] = w[(r + half) * d + k] = rng.normal();
    a[r] = 1;
    a[r + half] = -1;
  }
  return { m, d, w, a };
}

/**
 * f(x_i) for the n rows of x. With `active` ([n, m]) given, the pattern 1{w_rᵀx_i > 0} (as 0/1) is kept
 * there for `gradient`. Loops run over r innermost on a transposed copy of W so they stream contiguous memory.
 */
export function forward(net: TwoLayerNet, x: Float64Array, active?: Float32Array): Float64Array {
  const { m, d, w, a } = net;
  const n = x.length / d;
  const wT = transpose(w, m, d); // [d, m]
  const f = new Float64Array(n); // [n]
  const z = new Float64Array(m); // [m]  z_r = w_rᵀx_i for the current i
  const scale = 1 / Math.sqrt(m);
  for (let i = 0; i < n; i++) {
    z.fill(0);
    for (let k = 0; k < d; k++) {
      const xik = x[i * d + k];
      const row = k * m;
      for (let r = 0; r < m; r++) z[r] += xik * wT[row + r];
    }
    let sum = 0;
    for (let r = 0; r < m; r++) if (z[r] > 0) sum += a[r] * z[r];
    f[i] = sum * scale;
    if (active) for (let r = 0; r < m; r++) active[i * m + r] = z[r] > 0 ? 1 : 0;
  }
  return f;
}

/** ∂L/∂W ([m, d]) given the residuals e_i = f(x_i) − y_i and the activation pattern [n, m] from `forward`. */
export function gradient(net: TwoLayerNet, x: Float64Array, residual: Float64Array, active: Float32Array): Float64Array {
  const { m, d, a } = net;
  const n = residual.length;
  const gT = new Float64Array(d * m); // [d, m]
  for (let i = 0; i < n; i++) {
    const e = residual[i];
    const zi = i * m;
    for (let k = 0; k < d; k++) {
      const c = e * x[i * d + k];
      const row = k * m;
      for (let r = 0; r < m; r++) gT[row + r] += c * active[zi + r];
    }
  }
  const grad = transpose(gT, d, m); // [m, d]
  const scale = 1 / (Math.sqrt(m) * n);
  for (let r = 0; r < m; r++) for (let k = 0; k < d; k++) grad[r * d + k] *= a[r] * scale;
  return grad;
}

function transpose(source: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols); // [cols, rows]
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = source[i * cols + j];
  return out;
}

export function networkLoss(net: TwoLayerNet, x: Float64Array, y: Float64Array): number {
  return trainLoss(forward(net, x), y);
}

/** Empirical NTK at the current weights: Θ(x, x') = (1/m) Σ_r a_r² 1{w_rᵀx > 0} 1{w_rᵀx' > 0} xᵀx'. */
export function empiricalNtk(net: TwoLayerNet, x: Float64Array, i: number, z: Float64Array, j: number): number {
  const { m, d, w } = net;
  let dot = 0;
  for (let k = 0; k < d; k++) dot += x[i * d + k] * z[j * d + k];
  let both = 0;
  for (let r = 0; r < m; r++) {
    let zx = 0;
    let zz = 0;
    for (let k = 0; k < d; k++) {
      zx += w[r * d + k] * x[i * d + k];
      zz += w[r * d + k] * z[j * d + k];
    }
    if (zx > 0 && zz > 0) both += net.a[r] * net.a[r];
  }
  return (dot * both) / m;
}

export interface NetworkRun {
  curve: CurvePoint[]; // at the evaluation steps
  testPredictions: Float64Array; // [nTest] at the last step
  testPredictionsAt: (step: number) => Float64Array | undefined;
  /** ‖W_T − W_0‖_F / ‖W_0‖_F and max_r ‖w_r(T) − w_r(0)‖: how lazy the training was. */
  relativeWeightMovement: number;
  maxNeuronMovement: number;
  net: TwoLayerNet;
}

export interface TrainNetworkOptions {
  net: TwoLayerNet; // trained in place
  x: Float64Array; // [n, d]
  y: Float64Array; // [n]
  xTest: Float64Array; // [nTest, d]
  yTest: Float64Array; // [nTest]
  eta: number;
  steps: number;
  evalSteps: readonly number[]; // test risk recorded at these steps (0..steps)
  keepSteps?: readonly number[]; // test predictions kept at these steps
  onStep?: (step: number) => void; // progress; may throw Cancelled
}

/** Trains a network: `trainNetwork` (CPU reference, f64) or `trainNetworkTf` (tfjs, f32). */
export type NetworkTrainer = (options: TrainNetworkOptions) => NetworkRun | Promise<NetworkRun>;

export function trainNetwork(options: TrainNetworkOptions): NetworkRun {
  const { net, x, y, xTest, yTest, eta, steps } = options;
  const n = y.length;
  const w0 = net.w.slice();
  const active = new Float32Array(n * net.m); // [n, m]  1{w_rᵀx_i > 0} (0/1 exact in f32; half the memory traffic)
  const evalAt = new Set(options.evalSteps);
  const keep = new Set(options.keepSteps ?? []);
  const kept = new Map<number, Float64Array>();
  const curve: CurvePoint[] = [];
  const residual = new Float64Array(n);
  for (let t = 0; ; t++) {
    const f = forward(net, x, active);
    for (let i = 0; i < n; i++) residual[i] = f[i] - y[i];
    if (evalAt.has(t) || keep.has(t) || t === steps) {
      const fTest = forward(net, xTest);
      curve.push({ step: t, trainLoss: trainLoss(f, y), testRisk: meanSquared(fTest, yTest) });
      if (keep.has(t) || t === steps) kept.set(t, fTest);
    }
    if (t === steps) break;
    const grad = gradient(net, x, residual, active);
    for (let j = 0; j < grad.length; j++) net.w[j] -= eta * grad[j];
    options.onStep?.(t + 1);
  }
  let moved = 0;
  let initial = 0;
  let maxNeuron = 0;
  for (let r = 0; r < net.m; r++) {
    let neuron = 0;
    for (let k = 0; k < net.d; k++) {
      const j = r * net.d + k;
      neuron += (net.w[j] - w0[j]) ** 2;
      initial += w0[j] ** 2;
    }
    moved += neuron;
    maxNeuron = Math.max(maxNeuron, Math.sqrt(neuron));
  }
  return {
    curve,
    testPredictions: kept.get(steps) as Float64Array,
    testPredictionsAt: (step) => kept.get(step),
    relativeWeightMovement: Math.sqrt(moved / initial),
    maxNeuronMovement: maxNeuron,
    net,
  };
}
