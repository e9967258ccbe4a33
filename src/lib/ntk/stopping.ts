/**
 * The data-dependent early-stopping rule of Raskutti, Wainwright & Yu (2014, JMLR 15) for kernel GD
 * with constant step η, so that the summed step after t iterations is η_t = η·t:
 *   λ̂_1 ≥ … ≥ λ̂_n  the eigenvalues of K/n (K the n×n Gram matrix),
 *   R̂(ε) = sqrt( (1/n) Σ_i min(λ̂_i, ε²) )    (the empirical local kernel complexity),
 *   T̂ = the first t ≥ 1 with R̂(1/√(ηt)) > 1/(2eσηt).
 * The empirical critical radius ε̂_n is the positive solution of R̂(ε) = ε²/(2eσ); the rule stops
 * near t ≈ 1/(η ε̂_n²) and the risk bound there is O(ε̂_n²).
 */

/** R̂(ε) from the eigenvalues of K/n (negative round-off eigenvalues count as 0). */
export function localComplexity(eigenvalues: ArrayLike<number>, epsilon: number): number {
  const n = eigenvalues.length;
  const e2 = epsilon * epsilon;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.min(Math.max(eigenvalues[i], 0), e2);
  return Math.sqrt(sum / n);
}

/** T̂ (an iteration count ≥ 1), or `maxSteps + 1` when the rule does not fire within maxSteps. */
export function stoppingTime(options: { eigenvalues: ArrayLike<number>; eta: number; sigma: number; maxSteps: number }): number {
  const { eigenvalues, eta, sigma, maxSteps } = options;
  if (!(eta > 0)) throw new RangeError(`stoppingTime needs η > 0, got ${eta}`);
  if (!(sigma > 0)) throw new RangeError(`stoppingTime needs σ > 0, got ${sigma}`);
  for (let t = 1; t <= maxSteps; t++) {
    const etaT = eta * t;
    if (localComplexity(eigenvalues, 1 / Math.sqrt(etaT)) > 1 / (2 * Math.E * sigma * etaT)) return t;
  }
  return maxSteps + 1;
}

/** ε̂_n: R̂(ε)/ε² decreases in ε, so bisect R̂(ε) − ε²/(2eσ) on a log scale. */
export function criticalRadius(eigenvalues: ArrayLike<number>, sigma: number): number {
  if (!(sigma > 0)) throw new RangeError(`criticalRadius needs σ > 0, got ${sigma}`);
  const gap = (eps: number) => localComplexity(eigenvalues, eps) - (eps * eps) / (2 * Math.E * sigma);
  let lo = 1e-12;
  let hi = 1;
  while (gap(hi) > 0) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = Math.sqrt(lo * hi);
    if (gap(mid) > 0) lo = mid;
    else hi = mid;
  }
  return Math.sqrt(lo * hi);
}

/** The oracle stopping time: the step with the smallest test risk on a curve. */
export function oracleStoppingTime(curve: readonly { step: number; testRisk: number }[]): number {
  let best = curve[0];
  for (const point of curve) if (point.testRisk < best.testRisk) best = point;
  return best.step;
}
