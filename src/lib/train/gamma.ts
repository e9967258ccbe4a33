import type { Rng } from '../util/random.ts';

/**
 * Gamma, Beta and Dirichlet draws from the seeded Rng: λ ~ Beta(α, α) for mixing images, and
 * Dirichlet label skew across federated clients (Hsu et al. 2019, "Measuring the effects of
 * non-identical data distribution for federated visual classification").
 */

/** Gamma(shape, 1) by Marsaglia & Tsang (2000); shapes below 1 use Gamma(shape+1)·U^(1/shape). */
export function sampleGamma(rng: Rng, shape: number): number {
  if (!(shape > 0)) throw new RangeError(`sampleGamma: shape must be > 0, got ${shape}`);
  if (shape < 1) {
    let u = 0;
    while (u === 0) u = rng.next();
    return sampleGamma(rng, shape + 1) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  while (true) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function sampleBeta(rng: Rng, alpha: number, beta: number): number {
  const a = sampleGamma(rng, alpha);
  const b = sampleGamma(rng, beta);
  return a / (a + b);
}

/** A probability vector of length `concentrations.length`. */
export function sampleDirichlet(rng: Rng, concentrations: readonly number[]): number[] {
  const draws = concentrations.map((alpha) => sampleGamma(rng, alpha));
  const total = draws.reduce((sum, value) => sum + value, 0);
  // Tiny concentrations can underflow every draw to 0; the limit is then all mass on one entry.
  if (total === 0) {
    const winner = rng.int(draws.length);
    return draws.map((_, i) => (i === winner ? 1 : 0));
  }
  return draws.map((value) => value / total);
}
