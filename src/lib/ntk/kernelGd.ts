/**
 * Kernel gradient descent on the training points (Raskutti, Wainwright & Yu 2014), f_0 = 0:
 *   f_{t+1} = f_t − (η/n)·K(f_t − y)                  (K: [n, n] Gram matrix on the training points)
 * Test predictions use the α-form f_t(x) = Σ_i α_{t,i} K(x, x_i), α_{t+1} = α_t − (η/n)(f_t − y),
 * i.e. f_t(X_test) = K_test α_t with K_test: [nTest, n].
 */
export interface CurvePoint {
  step: number;
  trainLoss: number; // (1/2n) Σ (f(x_i) − y_i)²
  testRisk: number; // (1/nTest) Σ (f(x) − f*(x))²  (f* = yTest, noise-free where known)
}

export interface KernelGdResult {
  curve: CurvePoint[]; // every step 0..steps
  alpha: Float64Array; // [n] at the last step: f(x) = Σ_i α_i K(x, x_i) anywhere
  trainPredictions: Float64Array; // [n] at the last step
  testPredictions: Float64Array; // [nTest] at the last step
  testPredictionsAt: (step: number) => Float64Array | undefined;
}

export function trainLoss(f: Float64Array, y: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum += (f[i] - y[i]) ** 2;
  return sum / (2 * y.length);
}

export function meanSquared(f: Float64Array, target: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < target.length; i++) sum += (f[i] - target[i]) ** 2;
  return sum / target.length;
}

export function runKernelGd(options: {
  k: Float64Array; // [n, n]
  kTest: Float64Array; // [nTest, n]
  y: Float64Array; // [n]
  yTest: Float64Array; // [nTest]
  eta: number;
  steps: number;
  keepSteps?: readonly number[]; // test predictions kept at these steps
}): KernelGdResult {
  const { k, kTest, y, yTest, eta, steps } = options;
  const n = y.length;
  const nTest = yTest.length;
  const f = new Float64Array(n); // [n]  f_t on the training points
  const alpha = new Float64Array(n); // [n]
  const residual = new Float64Array(n);
  const fTest = new Float64Array(nTest);
  const kept = new Map<number, Float64Array>();
  const keep = new Set(options.keepSteps ?? []);
  const curve: CurvePoint[] = [{ step: 0, trainLoss: trainLoss(f, y), testRisk: meanSquared(fTest, yTest) }];
  if (keep.has(0)) kept.set(0, fTest.slice());
  for (let t = 1; t <= steps; t++) {
    for (let i = 0; i < n; i++) residual[i] = (eta / n) * (f[i] - y[i]);
    for (let i = 0; i < n; i++) {
      alpha[i] -= residual[i];
      let sum = 0;
      for (let j = 0; j < n; j++) sum += k[i * n + j] * residual[j];
      f[i] -= sum;
    }
    // f_t(X_test) = K_test α_t, updated by K_test·Δα so a step costs nTest·n, not a fresh product.
    for (let i = 0; i < nTest; i++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += kTest[i * n + j] * residual[j];
      fTest[i] -= sum;
    }
    curve.push({ step: t, trainLoss: trainLoss(f, y), testRisk: meanSquared(fTest, yTest) });
    if (keep.has(t)) kept.set(t, fTest.slice());
  }
  return { curve, alpha, trainPredictions: f, testPredictions: fTest, testPredictionsAt: (step) => kept.get(step) };
}
