import { checkShape } from './rows.ts';

/**
 * Mean over rows of KL(p ‖ q) = Σ_k p_k·log(p_k / q_k), in nats: how far predicted distributions q
 * are from target distributions p. Terms with p_k = 0 add nothing; q_k is floored at `floor` so a
 * confident wrong prediction costs a large, finite amount.
 */
export function meanKlDivergence(target: ArrayLike<number>, predicted: ArrayLike<number>, classes: number, floor = 1e-12): number {
  checkShape(target, classes, 'meanKlDivergence');
  if (target.length !== predicted.length) throw new RangeError(`meanKlDivergence: ${target.length} target values for ${predicted.length} predicted`);
  const rows = target.length / classes;
  if (rows === 0) return Number.NaN;
  let total = 0;
  for (let i = 0; i < target.length; i++) {
    const p = target[i];
    if (p > 0) total += p * Math.log(p / Math.max(predicted[i], floor));
  }
  return total / rows;
}
