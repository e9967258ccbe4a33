import type { Rng } from '../util/random.ts';

/**
 * Picking the next token from one row of logits. Greedy when temperature is 0; otherwise the usual
 * chain, in HF's order: repetition penalty (Keskar et al. 2019, CTRL: a seen token's logit is divided by
 * the penalty when positive, multiplied when negative), temperature, top-k, then top-p (nucleus
 * sampling, Holtzman et al. 2020: the smallest set of most likely tokens whose probability reaches p),
 * and a draw from the seeded Rng. Ids in `suppressIds` are masked first (logit → −∞), so neither greedy
 * decoding nor sampling can pick them: callers pass `<unk>` there (see `unkSuppression`).
 */
export interface SamplingOptions {
  /** 0 = greedy (argmax). */
  temperature: number;
  /** Keep the k most likely tokens; 0 = all. */
  topK: number;
  /** Keep the most likely tokens up to this cumulative probability; 1 = all. */
  topP: number;
  /** ≥ 1; 1 = none. */
  repetitionPenalty: number;
  /** Token ids that are never picked (their logits are masked to −∞); default none. */
  suppressIds?: readonly number[];
}

/**
 * The ids to mask so generation never writes `<unk>`: a model trained on tokenised WikiText-2 (the
 * embedded mini-OPT) learned `<unk>` as a frequent word, because rare words were replaced by it there.
 * `allowUnk` keeps it (e.g. to see what the model learned); a vocabulary without `<unk>` masks nothing.
 */
export function unkSuppression(tokenizer: { readonly unkId?: number }, allowUnk = false): number[] {
  return allowUnk || tokenizer.unkId === undefined ? [] : [tokenizer.unkId];
}

export const DEFAULT_SAMPLING: SamplingOptions = { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1 };

export function checkSampling(options: SamplingOptions): void {
  const { temperature, topK, topP, repetitionPenalty } = options;
  if (!(temperature >= 0 && Number.isFinite(temperature))) throw new RangeError(`temperature must be ≥ 0, got ${temperature}`);
  if (!(Number.isInteger(topK) && topK >= 0)) throw new RangeError(`top-k must be an integer ≥ 0, got ${topK}`);
  if (!(topP > 0 && topP <= 1)) throw new RangeError(`top-p must be in (0, 1], got ${topP}`);
  if (!(repetitionPenalty >= 1 && Number.isFinite(repetitionPenalty))) throw new RangeError(`repetition penalty must be ≥ 1, got ${repetitionPenalty}`);
}

/** Applies the repetition penalty to a copy of `logits` for every id in `previous`. */
export function penalizeRepeats(logits: Float32Array, previous: ArrayLike<number>, penalty: number): Float32Array {
  const out = logits.slice();
  if (penalty === 1) return out;
  for (const id of new Set(Array.from(previous))) {
    if (id >= 0 && id < out.length) out[id] = out[id] > 0 ? out[id] / penalty : out[id] * penalty;
  }
  return out;
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * The `k` ids with the highest scores, highest first, ties by the lower id — the order of a full sort,
 * without sorting the whole vocabulary every step (a k-th-value selection, then a sort of k ids).
 */
export function topKIds(scores: Float32Array, k: number): number[] {
  const byScore = (a: number, b: number) => scores[b] - scores[a] || a - b;
  if (k >= scores.length) return Array.from(scores.keys()).sort(byScore);
  const threshold = kthLargest(scores.slice(), k);
  const above: number[] = [];
  const atThreshold: number[] = [];
  for (let id = 0; id < scores.length; id++) {
    if (scores[id] > threshold) above.push(id);
    else if (scores[id] === threshold) atThreshold.push(id);
  }
  return above.concat(atThreshold.slice(0, k - above.length)).sort(byScore);
}

/** The k-th largest value (1-based) of `values`, reordering them (Hoare's quickselect). */
function kthLargest(values: Float32Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] > pivot) i++;
      while (values[j] < pivot) j--;
      if (i <= j) {
        [values[i], values[j]] = [values[j], values[i]];
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target];
  }
  return values[target];
}

/** The tokens one step may pick, most likely first, and their probabilities (summing to 1). */
export interface TokenDistribution {
  ids: number[];
  probs: number[];
}

/** What the sampling chain leaves of this step's logits [vocab]: greedy gives one id with probability 1. */
export function nextTokenDistribution(logits: Float32Array, previous: ArrayLike<number>, options: SamplingOptions): TokenDistribution {
  const scores = penalizeRepeats(logits, previous, options.repetitionPenalty);
  for (const id of options.suppressIds ?? []) if (id >= 0 && id < scores.length) scores[id] = -Infinity;
  if (options.temperature === 0) return { ids: [argmax(scores)], probs: [1] };
  // Masked ids are dropped, not just given probability 0, so no rounding in the draw can reach them.
  const masked = new Set(options.suppressIds ?? []);
  const kept = topKIds(scores, options.topK > 0 ? options.topK : scores.length).filter((id) => !masked.has(id));
  const max = scores[kept[0]];
  const weights = kept.map((id) => Math.exp((scores[id] - max) / options.temperature));
  const sum = weights.reduce((a, b) => a + b, 0);
  // Nucleus: the shortest prefix whose probability reaches topP (at least one token).
  let cut = kept.length;
  if (options.topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < kept.length; i++) {
      cumulative += weights[i] / sum;
      if (cumulative >= options.topP) {
        cut = i + 1;
        break;
      }
    }
  }
  const nucleusSum = weights.slice(0, cut).reduce((a, b) => a + b, 0);
  return { ids: kept.slice(0, cut), probs: weights.slice(0, cut).map((w) => w / nucleusSum) };
}

/** The next token id given this step's logits [vocab] and the ids so far. */
export function sampleNext(logits: Float32Array, previous: ArrayLike<number>, options: SamplingOptions, rng: Rng): number {
  const { ids, probs } = nextTokenDistribution(logits, previous, options);
  if (options.temperature === 0) return ids[0];
  let draw = rng.next();
  for (let i = 0; i < ids.length; i++) {
    draw -= probs[i];
    if (draw < 0) return ids[i];
  }
  return ids[ids.length - 1];
}
