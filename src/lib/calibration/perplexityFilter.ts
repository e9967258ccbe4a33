import { InputError } from '../errors.ts';

/**
 * The perplexity filter of self-generated calibration text (Ji et al. 2024): drop the samples the model
 * itself finds least likely — degenerate or off-track continuations — and keep the rest. Exactly
 * round(share · n) samples are dropped (at most n − 1, so something is always kept), highest perplexity
 * first, ties broken by the later sample.
 */
export interface PerplexitySplit {
  /** Indices of the kept samples, ascending. */
  kept: number[];
  /** Indices of the dropped samples, ascending. */
  dropped: number[];
  /** The highest kept perplexity: every dropped sample is at or above it. null when none was dropped. */
  cutoffPpl: number | null;
  /** dropped / n: the share actually dropped (the requested share rounded to whole samples). */
  droppedShare: number;
}

export function dropCount(n: number, share: number): number {
  return Math.min(n - 1, Math.round(share * n));
}

export function splitByPerplexity(ppls: readonly number[], share: number): PerplexitySplit {
  const n = ppls.length;
  if (n === 0) throw new InputError('There are no samples to filter');
  if (!(share >= 0 && share < 1)) throw new InputError(`the dropped share must be in [0, 1), got ${share}`);
  // A non-finite perplexity (an overflow) counts as the worst.
  const key = (i: number) => (Number.isFinite(ppls[i]) ? ppls[i] : Infinity);
  const worstFirst = Array.from(ppls.keys()).sort((a, b) => key(b) - key(a) || b - a);
  const count = dropCount(n, share);
  const dropped = worstFirst.slice(0, count).sort((a, b) => a - b);
  const kept = worstFirst.slice(count).sort((a, b) => a - b);
  return { kept, dropped, cutoffPpl: count > 0 ? Math.max(...kept.map(key)) : null, droppedShare: count / n };
}
