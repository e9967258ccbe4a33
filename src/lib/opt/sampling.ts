import type { Rng } from '../util/random.ts';

/**
 * Picking the next token from one row of logits. Greedy when temperature is 0; otherwise the usual
 * chain, in HF's order: repetition penalty (Keskar et al. 2019, CTRL: a seen token's logit is divided by
 * the penalty when positive, multiplied when negative), temperature, top-k, then top-p (nucleus
 * sampling, Holtzman et al. 2020: the smallest set of most likely tokens whose probability reaches p),
 * and a draw from the seeded Rng.
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

/** The next token id given this step's logits [vocab] and the ids so far. */
export function sampleNext(logits: Float32Array, previous: ArrayLike<number>, options: SamplingOptions, rng: Rng): number {
  const scores = penalizeRepeats(logits, previous, options.repetitionPenalty);
  if (options.temperature === 0) return argmax(scores);
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b);
  const kept = options.topK > 0 ? order.slice(0, options.topK) : order;
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
  let draw = rng.next() * nucleusSum;
  for (let i = 0; i < cut; i++) {
    draw -= weights[i];
    if (draw < 0) return kept[i];
  }
  return kept[cut - 1];
}
