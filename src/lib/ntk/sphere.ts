import { Rng } from '../util/random.ts';

/**
 * Covariates on the unit sphere S^{d−1}, stored row-major: `x[i*d + k]` is coordinate k of point i.
 * The paper (Yang & Li) assumes nothing about the covariate distribution beyond boundedness, so beside
 * the uniform law we offer deliberately non-uniform ones: clusters, a cap, a great circle.
 */
export type SphereLaw = 'uniform' | 'clustered' | 'cap' | 'manifold';
export const SPHERE_LAWS: readonly SphereLaw[] = ['uniform', 'clustered', 'cap', 'manifold'];

/** Points and their dimension; `n = x.length / d`. */
export interface SpherePoints {
  x: Float64Array; // [n, d]
  d: number;
}

/** Normalises row i of x in place; a zero row (probability 0) becomes e_1. */
function normaliseRow(x: Float64Array, i: number, d: number): void {
  let norm = 0;
  for (let k = 0; k < d; k++) norm += x[i * d + k] ** 2;
  norm = Math.sqrt(norm);
  if (norm === 0) {
    x[i * d] = 1;
    return;
  }
  for (let k = 0; k < d; k++) x[i * d + k] /= norm;
}

function randomUnit(rng: Rng, d: number): Float64Array {
  const v = new Float64Array(d);
  for (let k = 0; k < d; k++) v[k] = rng.normal();
  normaliseRow(v, 0, d);
  return v;
}

/**
 * The law's fixed shape (cluster centres, cap axis, the plane of the circle) comes from `shapeSeed`
 * so training and test sets drawn with different seeds share one distribution.
 */
export function sampleSphere(options: { n: number; d: number; law: SphereLaw; seed: number; shapeSeed?: number }): SpherePoints {
  const { n, d, law, seed } = options;
  if (!Number.isInteger(d) || d < 2) throw new RangeError(`sampleSphere needs an integer d ≥ 2, got ${d}`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`sampleSphere needs an integer n ≥ 1, got ${n}`);
  const rng = new Rng(seed);
  const shape = new Rng(options.shapeSeed ?? 12345);
  const x = new Float64Array(n * d); // [n, d]
  if (law === 'uniform') {
    // A normalised standard Gaussian is uniform on the sphere.
    for (let i = 0; i < n * d; i++) x[i] = rng.normal();
  } else if (law === 'clustered') {
    // Four tight clusters: centre + 0.25·N(0, I), projected back to the sphere.
    const centres = Array.from({ length: 4 }, () => randomUnit(shape, d));
    for (let i = 0; i < n; i++) {
      const c = centres[rng.int(centres.length)];
      for (let k = 0; k < d; k++) x[i * d + k] = c[k] + 0.25 * rng.normal();
    }
  } else if (law === 'cap') {
    // The cap {x : ⟨x, axis⟩ ≥ 0.5} (angle ≤ 60°), by rejection from the uniform law.
    const axis = randomUnit(shape, d);
    for (let i = 0; i < n; ) {
      const v = randomUnit(rng, d);
      let dot = 0;
      for (let k = 0; k < d; k++) dot += v[k] * axis[k];
      if (dot < 0.5) continue;
      x.set(v, i * d);
      i++;
    }
    return { x, d };
  } else {
    // A great circle cos θ·u + sin θ·v in a random 2-plane: a one-dimensional manifold in S^{d−1}.
    const u = randomUnit(shape, d);
    const w = randomUnit(shape, d);
    let dot = 0;
    for (let k = 0; k < d; k++) dot += u[k] * w[k];
    for (let k = 0; k < d; k++) w[k] -= dot * u[k];
    normaliseRow(w, 0, d);
    for (let i = 0; i < n; i++) {
      const theta = rng.uniform(0, 2 * Math.PI);
      for (let k = 0; k < d; k++) x[i * d + k] = Math.cos(theta) * u[k] + Math.sin(theta) * w[k];
    }
    return { x, d };
  }
  for (let i = 0; i < n; i++) normaliseRow(x, i, d);
  return { x, d };
}

/** Points on the circle (d = 2) at angles θ_i: (cos θ_i, sin θ_i). */
export function circlePoints(angles: readonly number[]): SpherePoints {
  const x = new Float64Array(angles.length * 2);
  angles.forEach((theta, i) => {
    x[2 * i] = Math.cos(theta);
    x[2 * i + 1] = Math.sin(theta);
  });
  return { x, d: 2 };
}
