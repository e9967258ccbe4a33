import type { LambdaDistribution } from './mixing.ts';

/**
 * The class-wise priors of the CPU risk from the mixing procedure (mixing.ts), without looking at
 * any soft label: π_k is the expected class-k mass inside the training images whose quantized label
 * is *not* k,
 *
 *   π_k = E[s_k(x) · 1{y ≠ k}] / P(y ≠ k).
 *
 * Only a mixed image carries class-k mass under another label. With m the mixed share, c_k the
 * share of class k, λ the weight of the image's own class a and the partner class b drawn uniformly
 * from the other K − 1 classes:
 *   a = k (probability m·c_k): s_k = λ, and y ≠ k with probability 1 − λ;
 *   b = k (probability m·(1 − c_k)/(K − 1)): s_k = 1 − λ, and y ≠ k with probability λ;
 * both give E[λ(1 − λ)] = μ − ν with μ = E[λ], ν = E[λ²]. So
 *
 *   π_k = m·(μ − ν)·(c_k + (1 − c_k)/(K − 1)) / (1 − c_k),
 *
 * with c_k read from the quantized labels (their class totals match the true ones in expectation
 * when classes are balanced; a fine approximation otherwise).
 */
export function mixingPriors(quantizedLabels: ArrayLike<number>, classes: number, mixFraction: number, lambda: LambdaDistribution): number[] {
  if (!(Number.isInteger(classes) && classes >= 2)) throw new RangeError(`mixingPriors: need at least 2 classes, got ${classes}`);
  if (!(mixFraction >= 0 && mixFraction <= 1)) throw new RangeError(`mixingPriors: mix fraction must be in [0, 1], got ${mixFraction}`);
  const count = quantizedLabels.length;
  if (count === 0) return new Array<number>(classes).fill(0);
  const shares = new Array<number>(classes).fill(0);
  for (let i = 0; i < count; i++) shares[quantizedLabels[i]] += 1 / count;
  const { mean, meanSquare } = lambdaMoments(lambda);
  const ambiguousMass = mixFraction * (mean - meanSquare); // E[λ(1 − λ)] per mixed image
  return shares.map((share) => (share >= 1 ? 0 : (ambiguousMass * (share + (1 - share) / (classes - 1))) / (1 - share)));
}

/** E[λ] and E[λ²] of the mixing weight. */
export function lambdaMoments(lambda: LambdaDistribution): { mean: number; meanSquare: number } {
  switch (lambda.kind) {
    case 'uniform':
      return { mean: (lambda.lo + lambda.hi) / 2, meanSquare: (lambda.lo ** 2 + lambda.lo * lambda.hi + lambda.hi ** 2) / 3 };
    case 'beta': {
      const mean = lambda.alpha / (lambda.alpha + lambda.beta);
      return { mean, meanSquare: (mean * (lambda.alpha + 1)) / (lambda.alpha + lambda.beta + 1) };
    }
    case 'fixed':
      return { mean: lambda.value, meanSquare: lambda.value ** 2 };
  }
}
