import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/errors.ts';
import {
  criticalRadius,
  empiricalNtk,
  fitLogLog,
  forward,
  gegenbauer,
  gradient,
  initNetwork,
  jacobiEigen,
  localComplexity,
  networkLoss,
  ntk,
  ntkMatrix,
  parseNtkData,
  runKernelGd,
  sampleSphere,
  stoppingTime,
  symmetricEigenvalues,
  trainNetwork,
} from '../../src/lib/ntk/index.ts';
import { Rng } from '../../src/lib/util/random.ts';

function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
  return a;
}

describe('sphere data', () => {
  it('every law puts its points on the unit sphere, the same seed giving the same points', () => {
    for (const law of ['uniform', 'clustered', 'cap', 'manifold'] as const) {
      const { x } = sampleSphere({ n: 50, d: 4, law, seed: 3 });
      for (let i = 0; i < 50; i++) expect(Math.hypot(...x.subarray(i * 4, i * 4 + 4))).toBeCloseTo(1, 12);
      expect(sampleSphere({ n: 50, d: 4, law, seed: 3 }).x).toEqual(x);
    }
  });
  it('Gegenbauer polynomials match their closed forms', () => {
    // C_2^λ(t) = 2λ(λ+1)t² − λ; T_3(t) = 4t³ − 3t.
    expect(gegenbauer(2, 1.5, 0.3)).toBeCloseTo(2 * 1.5 * 2.5 * 0.09 - 1.5, 12);
    expect(gegenbauer(3, 0, 0.3)).toBeCloseTo(4 * 0.027 - 0.9, 12);
  });
});

describe('the arc-cosine NTK', () => {
  it('K(x, x) = ‖x‖²/2 and K(x, −x) = 0', () => {
    const x = Float64Array.of(0.6, 0.8, -0.6, -0.8);
    expect(ntk(x, 0, x, 0, 2)).toBeCloseTo(0.5, 14);
    expect(ntk(x, 0, x, 1, 2)).toBeCloseTo(0, 14);
  });
  it('equals the Monte-Carlo average of the finite-width empirical NTK at initialisation', () => {
    const { x } = sampleSphere({ n: 5, d: 3, law: 'uniform', seed: 11 });
    const net = initNetwork({ m: 200_000, d: 3, seed: 5 }); // 100,000 independent w_r (pairs repeat)
    for (let i = 0; i < 5; i++) {
      for (let j = i; j < 5; j++) {
        // Θ is a mean of 10⁵ Bernoulli(p) times xᵀx': standard error ≤ 0.5/√10⁵ ≈ 0.0016.
        expect(Math.abs(empiricalNtk(net, x, i, x, j) - ntk(x, i, x, j, 3))).toBeLessThan(0.008);
      }
    }
  });
});

describe('symmetric eigen-solvers', () => {
  it('Jacobi returns A V = V Λ with orthonormal V', () => {
    const n = 7;
    const a = randomSymmetric(n, 1);
    const { values, vectors } = jacobiEigen(a, n);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let k = 0; k < n; k++) av += a[i * n + k] * vectors[k * n + j];
        expect(av).toBeCloseTo(values[j] * vectors[i * n + j], 10);
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += vectors[i * n + j] ** 2;
      expect(norm).toBeCloseTo(1, 12);
    }
  });
  it('Householder + QL recovers planted eigenvalues and agrees with Jacobi', () => {
    const n = 12;
    // A = Q diag(μ) Qᵀ with Q orthogonal (Jacobi's eigenvectors of a random matrix).
    const q = jacobiEigen(randomSymmetric(n, 2), n).vectors;
    const planted = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -i : i * 1.5) + 0.25);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += q[i * n + k] * planted[k] * q[j * n + k];
    const expected = [...planted].sort((x, y) => y - x);
    symmetricEigenvalues(a, n).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 10));
    const b = randomSymmetric(31, 3);
    const jacobi = jacobiEigen(b, 31).values;
    symmetricEigenvalues(b, 31).forEach((v, i) => expect(v).toBeCloseTo(jacobi[i], 10));
    expect(Array.from(symmetricEigenvalues(Float64Array.of(2, 0, 0, 2), 2))).toEqual([2, 2]);
  });
});

describe('kernel GD', () => {
  it('matches the closed form f_t = V(I − (I − ηΛ)^t)Vᵀy, and K_test·α_t off the training set', () => {
    const n = 6;
    const d = 3;
    const { x } = sampleSphere({ n, d, law: 'uniform', seed: 4 });
    const { x: xTest } = sampleSphere({ n: 3, d, law: 'uniform', seed: 5 });
    const y = Float64Array.of(1, -0.5, 0.3, 0.8, -1.2, 0.1);
    const k = ntkMatrix(x, x, d);
    const kTest = ntkMatrix(xTest, x, d);
    const eta = 1.3;
    const steps = 37;
    const run = runKernelGd({ k, kTest, y, yTest: new Float64Array(3), eta, steps });
    const { values: lambda, vectors: v } = jacobiEigen(k.map((e) => e / n), n); // K/n = VΛVᵀ
    const vty = Array.from({ length: n }, (_, j) => v.reduce((s, _, i) => (i < n ? s + v[i * n + j] * y[i] : s), 0));
    for (let i = 0; i < n; i++) {
      let fi = 0;
      for (let j = 0; j < n; j++) fi += v[i * n + j] * (1 - (1 - eta * lambda[j]) ** steps) * vty[j];
      expect(run.trainPredictions[i]).toBeCloseTo(fi, 10);
    }
    // α_t = V diag((1 − (1 − ηλ)^t)/(nλ)) Vᵀ y, so f_t(x) = K(x, X) α_t.
    for (let i = 0; i < n; i++) {
      let ai = 0;
      for (let j = 0; j < n; j++) ai += (v[i * n + j] * (1 - (1 - eta * lambda[j]) ** steps) * vty[j]) / (n * lambda[j]);
      expect(run.alpha[i]).toBeCloseTo(ai, 8);
    }
    for (let t = 0; t < 3; t++) {
      let ft = 0;
      for (let j = 0; j < n; j++) ft += kTest[t * n + j] * run.alpha[j];
      expect(run.testPredictions[t]).toBeCloseTo(ft, 10);
    }
  });
});

describe('the Raskutti–Wainwright–Yu stopping rule', () => {
  // λ̂ = (0.5, 0.1, 0, 0), η = 1, σ = 0.1: threshold 1/(2eσt) = 1.8394/t.
  // t = 7: R̂ = √((1/7 + 0.1)/4) = 0.2464 < 0.2628; t = 8: R̂ = √((1/8 + 0.1)/4) = 0.2372 > 0.2299.
  const eigenvalues = [0.5, 0.1, 0, 0];
  it('R̂(ε) = sqrt((1/n) Σ min(λ̂_i, ε²))', () => {
    expect(localComplexity(eigenvalues, 1)).toBeCloseTo(Math.sqrt(0.6 / 4), 14);
    expect(localComplexity(eigenvalues, 0.2)).toBeCloseTo(Math.sqrt(0.08 / 4), 14);
  });
  it('stops at the hand-computed T̂ = 8', () => {
    expect(stoppingTime({ eigenvalues, eta: 1, sigma: 0.1, maxSteps: 100 })).toBe(8);
    expect(stoppingTime({ eigenvalues, eta: 1, sigma: 0.1, maxSteps: 7 })).toBe(8); // not fired: maxSteps + 1
    expect(stoppingTime({ eigenvalues, eta: 2, sigma: 0.1, maxSteps: 100 })).toBe(4); // only ηt matters
  });
  it('fires right after 1/(ηt) drops below ε̂_n², the critical radius', () => {
    for (const sigma of [0.05, 0.1, 0.3, 1]) {
      const eps = criticalRadius(eigenvalues, sigma);
      expect(localComplexity(eigenvalues, eps)).toBeCloseTo((eps * eps) / (2 * Math.E * sigma), 10);
      expect(stoppingTime({ eigenvalues, eta: 1, sigma, maxSteps: 10_000 })).toBe(Math.floor(1 / eps ** 2) + 1);
    }
  });
});

describe('the two-layer ReLU network', () => {
  it('starts at f_0 ≡ 0 under symmetric initialisation', () => {
    const { x } = sampleSphere({ n: 10, d: 4, law: 'uniform', seed: 1 });
    forward(initNetwork({ m: 64, d: 4, seed: 2 }), x).forEach((f) => expect(Math.abs(f)).toBeLessThan(1e-12)); // up to summation order
  });
  it('has the gradient finite differences give', () => {
    const d = 3;
    const { x } = sampleSphere({ n: 5, d, law: 'uniform', seed: 6 });
    const y = Float64Array.of(0.3, -1, 0.5, 0.2, 0.9);
    const net = initNetwork({ m: 8, d, seed: 7 });
    const rng = new Rng(8);
    for (let j = 0; j < net.w.length; j++) net.w[j] += 0.3 * rng.normal(); // break the pair symmetry
    const pre = new Float32Array(5 * 8); // activation pattern
    const f = forward(net, x, pre);
    const grad = gradient(net, x, f.map((v, i) => v - y[i]), pre);
    const h = 1e-6;
    for (let j = 0; j < net.w.length; j++) {
      const w0 = net.w[j];
      net.w[j] = w0 + h;
      const up = networkLoss(net, x, y);
      net.w[j] = w0 - h;
      const down = networkLoss(net, x, y);
      net.w[j] = w0;
      expect(grad[j]).toBeCloseTo((up - down) / (2 * h), 7);
    }
  });
  it('tracks kernel GD more closely when wider (lazy training)', () => {
    const d = 3;
    const { x } = sampleSphere({ n: 20, d, law: 'uniform', seed: 9 });
    const { x: xTest } = sampleSphere({ n: 20, d, law: 'uniform', seed: 10 });
    const y = x.filter((_, j) => j % d === 0).map((v) => Math.sin(3 * v));
    const yTest = new Float64Array(20);
    const kernel = runKernelGd({ k: ntkMatrix(x, x, d), kTest: ntkMatrix(xTest, x, d), y, yTest, eta: 1, steps: 30 });
    const distance = (m: number) => {
      const run = trainNetwork({ net: initNetwork({ m, d, seed: 1 }), x, y, xTest, yTest, eta: 1, steps: 30, evalSteps: [] });
      let num = 0;
      let den = 0;
      run.testPredictions.forEach((f, i) => {
        num += (f - kernel.testPredictions[i]) ** 2;
        den += kernel.testPredictions[i] ** 2;
      });
      return Math.sqrt(num / den);
    };
    const narrow = distance(8);
    const wide = distance(8192);
    expect(wide).toBeLessThan(0.1);
    expect(wide).toBeLessThan(narrow / 3);
  });
});

describe('rate fits', () => {
  it('recovers an exact power law with a zero-width band', () => {
    const ns = [100, 200, 400, 800];
    const fit = fitLogLog(ns, ns.map((n) => 3 * n ** -0.7));
    expect(fit.slope).toBeCloseTo(-0.7, 12);
    expect(fit.slopeHigh - fit.slopeLow).toBeLessThan(1e-9);
    expect(fit.band[2].fit).toBeCloseTo(3 * 400 ** -0.7, 10);
  });
  it('widens its band with scatter', () => {
    const fit = fitLogLog([100, 200, 400, 800], [1, 0.4, 0.5, 0.2]);
    expect(fit.slopeLow).toBeLessThan(fit.slope);
    expect(fit.slopeHigh).toBeGreaterThan(fit.slope);
    fit.band.forEach((b) => expect(b.low).toBeLessThan(b.high));
  });
});

describe('user data files', () => {
  const good = { x: [[1, 0], [0, 1]], y: [1, 2], xTest: [[0.6, 0.8]], yTest: [0.5] };
  it('accepts the documented shape', () => {
    const data = parseNtkData(JSON.stringify(good));
    expect(data.d).toBe(2);
    expect(Array.from(data.xTest)).toEqual([0.6, 0.8]);
  });
  it.each([
    ['not json', /not valid JSON/],
    ['[1,2]', /must be a JSON object/],
    [JSON.stringify({ ...good, yTest: undefined }), /missing field "yTest"/],
    [JSON.stringify({ ...good, x: [[1, 0], [0, 1, 2]] }), /"x\[1\]" must be an array of 2 numbers/],
    [JSON.stringify({ ...good, x: [[1, 0], [0, 'a']] }), /"x\[1\]\[1\]" must be a finite number/],
    [JSON.stringify({ ...good, y: [1] }), /"y" has 1 entries but "x" has 2 rows/],
    [JSON.stringify({ ...good, xTest: [[1, 0, 0]] }), /"xTest\[0\]" must be an array of 2 numbers/],
    [JSON.stringify({ ...good, x: [[0, 0], [0, 1]] }), /"x\[0\]" is the zero vector/],
    [JSON.stringify({ ...good, yTest: [null] }), /"yTest\[0\]" must be a finite number/],
  ])('rejects %s', (text, message) => {
    expect(() => parseNtkData(text, 'F.json')).toThrow(message);
    expect(() => parseNtkData(text, 'F.json')).toThrow(InputError);
  });
});

describe('which targets the bias-free NTK can learn', () => {
  it('gives (numerically) zero eigenvalues on the circle to odd harmonics of degree ≥ 3 only', () => {
    // On S¹, K depends on the angle only, so e^{ikθ} are eigenfunctions: project K onto cos(kθ) on a uniform grid.
    const n = 64;
    const angles = Array.from({ length: n }, (_, i) => (2 * Math.PI * i) / n);
    const x = Float64Array.from(angles.flatMap((t) => [Math.cos(t), Math.sin(t)]));
    const k = ntkMatrix(x, x, 2);
    const eigenvalueOf = (degree: number) => {
      const v = angles.map((t) => Math.cos(degree * t));
      let vkv = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vkv += v[i] * k[i * n + j] * v[j];
      return vkv / v.reduce((s, e) => s + e * e, 0) / n;
    };
    expect(eigenvalueOf(1)).toBeGreaterThan(0.05);
    expect(eigenvalueOf(2)).toBeGreaterThan(0.01);
    expect(eigenvalueOf(4)).toBeGreaterThan(1e-4);
    expect(Math.abs(eigenvalueOf(3))).toBeLessThan(1e-9);
    expect(Math.abs(eigenvalueOf(5))).toBeLessThan(1e-9);
  });
});

describe('page settings in the URL', () => {
  it('round-trip every preset and name a bad link setting', async () => {
    const { PRESETS, configFromParams, paramsFromConfig } = await import('../../src/lib/ntk/pageSettings.ts');
    for (const { config } of Object.values(PRESETS)) {
      const back = configFromParams(new URLSearchParams(Object.entries(paramsFromConfig(config)).map(([k, v]) => [k, String(v)])));
      expect({ ...back, checkpoints: [] }).toEqual({ ...config, checkpoints: [] });
      expect(back.checkpoints).toContain(config.steps);
    }
    expect(() => configFromParams(new URLSearchParams('law=square'))).toThrow(/link setting law must be one of/);
    expect(() => configFromParams(new URLSearchParams('m=15'))).toThrow(/even integer/);
    expect(() => configFromParams(new URLSearchParams('sigma=abc'))).toThrow(InputError);
  });
});
