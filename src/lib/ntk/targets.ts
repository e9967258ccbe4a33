import { Rng } from '../util/random.ts';
import { drawnTarget } from './drawnTarget.ts';
import type { SpherePoints } from './sphere.ts';

/**
 * Regression functions f* on the sphere. Each is a function of a few inner products ⟨v_j, x⟩ with
 * fixed random directions v_j (from `seed`), so it makes sense for every d.
 *   smooth:    f*(x) = sin(π⟨v,x⟩)                         (analytic, odd)
 *   cosine:    f*(x) = cos(π⟨v,x⟩)                         (analytic, even)
 *   rough:     f*(x) = sign(⟨v,x⟩)·|⟨v,x⟩|^β, β = 0.4       (Hölder-β at the equator ⟨v,x⟩ = 0)
 *   harmonics: f*(x) = Σ_{k=1..4} c_k P_k(⟨v_k,x⟩)          (zonal spherical harmonics of degree k)
 *   drawn:     f*(x) = the user's curve y(θ) (d = 2 only; drawnTarget.ts)
 * P_k is the Gegenbauer polynomial C_k^{(d−2)/2} (Chebyshev T_k when d = 2), which makes
 * x ↦ P_k(⟨v,x⟩) a spherical harmonic of degree k on S^{d−1}.
 * Note: the bias-free ReLU NTK has zero eigenvalues on the odd harmonics of degree ≥ 3, so the odd
 * targets (smooth, rough, the k = 3 term) keep a part neither the kernel nor the network can learn;
 * `cosine` is even and lies wholly in the span the kernel reaches.
 */
export type TargetName = 'smooth' | 'cosine' | 'rough' | 'harmonics' | 'drawn';
export const TARGET_NAMES: readonly TargetName[] = ['smooth', 'cosine', 'rough', 'harmonics', 'drawn'];
export const HOLDER_EXPONENT = 0.4;

/** Gegenbauer C_k^λ(t) by its three-term recurrence; λ = 0 gives Chebyshev T_k. */
export function gegenbauer(k: number, lambda: number, t: number): number {
  if (lambda === 0) return Math.cos(k * Math.acos(Math.max(-1, Math.min(1, t))));
  let previous = 1;
  if (k === 0) return previous;
  let current = 2 * lambda * t;
  for (let j = 1; j < k; j++) {
    const next = (2 * t * (j + lambda) * current - (j + 2 * lambda - 1) * previous) / (j + 1);
    previous = current;
    current = next;
  }
  return current;
}

export type Target = (x: Float64Array, offset: number) => number;

/** `drawn` (the knots of drawnTarget.ts) is used by the `drawn` target only. */
export function makeTarget(name: TargetName, d: number, seed = 7, drawn?: readonly number[]): Target {
  if (name === 'drawn') {
    if (d !== 2 || !drawn) throw new RangeError('the drawn target needs d = 2 and the drawn values');
    return drawnTarget(drawn);
  }
  const rng = new Rng(seed);
  const direction = () => {
    const v = new Float64Array(d);
    let norm = 0;
    for (let k = 0; k < d; k++) norm += (v[k] = rng.normal()) ** 2;
    for (let k = 0; k < d; k++) v[k] /= Math.sqrt(norm);
    return v;
  };
  const dot = (v: Float64Array, x: Float64Array, offset: number) => {
    let s = 0;
    for (let k = 0; k < d; k++) s += v[k] * x[offset + k];
    return s;
  };
  if (name === 'smooth') {
    const v = direction();
    return (x, o) => Math.sin(Math.PI * dot(v, x, o));
  }
  if (name === 'cosine') {
    const v = direction();
    return (x, o) => Math.cos(Math.PI * dot(v, x, o));
  }
  if (name === 'rough') {
    const v = direction();
    return (x, o) => {
      const t = dot(v, x, o);
      return Math.sign(t) * Math.abs(t) ** HOLDER_EXPONENT;
    };
  }
  const lambda = (d - 2) / 2;
  // Normalise each term by its value at t = 1 so every degree contributes on the same scale.
  const terms = [1, 2, 3, 4].map((k) => ({ k, v: direction(), c: 1 / k / gegenbauer(k, lambda, 1) }));
  return (x, o) => terms.reduce((sum, { k, v, c }) => sum + c * gegenbauer(k, lambda, dot(v, x, o)), 0);
}

/** f*(x_i) for every point. */
export function evaluateTarget(target: Target, points: SpherePoints): Float64Array {
  const n = points.x.length / points.d;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = target(points.x, i * points.d);
  return values;
}

/** y_i = f*(x_i) + σ·ξ_i with ξ_i standard normal. */
export function addNoise(clean: Float64Array, sigma: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return clean.map((v) => v + sigma * rng.normal());
}
