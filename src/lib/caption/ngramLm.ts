import { BOS, EOS } from './vocab.ts';

/**
 * The pseudo-labeller's language model: an interpolated trigram LM counted on the available captions
 * (the paper fine-tunes a pretrained XLNet; a browser-scale world with a ~70-word vocabulary needs no more):
 *   P(w | u, v) = λ₃ c(u v w)/c(u v) + λ₂ c(v w)/c(v) + λ₁ (c(w) + 1)/(N + V)
 * with the weight of an unseen context moved to the next order down, so each P(· | u, v) sums to 1.
 */
export interface TrigramLm {
  vocabSize: number;
  logProb(u: number, v: number, w: number): number;
}

const LAMBDA = [0.1, 0.3, 0.6];

export function trainTrigramLm(sentences: readonly number[][], vocabSize: number): TrigramLm {
  const uni = new Float64Array(vocabSize);
  const bi = new Map<number, number>();
  const biContext = new Float64Array(vocabSize);
  const tri = new Map<number, number>();
  const triContext = new Map<number, number>();
  let total = 0;
  const key2 = (a: number, b: number) => a * vocabSize + b;
  const key3 = (a: number, b: number, c: number) => (a * vocabSize + b) * vocabSize + c;
  for (const ids of sentences) {
    const padded = [BOS, BOS, ...ids, EOS];
    for (let i = 2; i < padded.length; i++) {
      const [u, v, w] = [padded[i - 2], padded[i - 1], padded[i]];
      uni[w]++;
      total++;
      bi.set(key2(v, w), (bi.get(key2(v, w)) ?? 0) + 1);
      biContext[v]++;
      tri.set(key3(u, v, w), (tri.get(key3(u, v, w)) ?? 0) + 1);
      triContext.set(key2(u, v), (triContext.get(key2(u, v)) ?? 0) + 1);
    }
  }
  return {
    vocabSize,
    logProb(u, v, w) {
      const p1 = (uni[w] + 1) / (total + vocabSize);
      const c2 = biContext[v];
      const c3 = triContext.get(key2(u, v)) ?? 0;
      if (c3 > 0) return Math.log(LAMBDA[2] * ((tri.get(key3(u, v, w)) ?? 0) / c3) + LAMBDA[1] * ((bi.get(key2(v, w)) ?? 0) / c2) + LAMBDA[0] * p1);
      if (c2 > 0) return Math.log((LAMBDA[2] + LAMBDA[1]) * ((bi.get(key2(v, w)) ?? 0) / c2) + LAMBDA[0] * p1);
      return Math.log(p1);
    },
  };
}

/** log P(sentence + EOS) under the LM. */
export function sentenceLogProb(lm: TrigramLm, ids: readonly number[]): number {
  const padded = [BOS, BOS, ...ids, EOS];
  let sum = 0;
  for (let i = 2; i < padded.length; i++) sum += lm.logProb(padded[i - 2], padded[i - 1], padded[i]);
  return sum;
}

/**
 * Scores of every word w for the slot at `position` of `ids` (the slot holds w; the rest stays): the log
 * probability of the three trigrams w touches, i.e. log P(sentence with w) up to a constant.
 */
export function slotScores(lm: TrigramLm, ids: readonly number[], position: number): Float64Array {
  const padded = [BOS, BOS, ...ids, EOS];
  const slot = position + 2;
  const scores = new Float64Array(lm.vocabSize);
  for (let w = 0; w < lm.vocabSize; w++) {
    if (w === BOS || w === 0) {
      scores[w] = -Infinity;
      continue;
    }
    padded[slot] = w;
    let s = lm.logProb(padded[slot - 2], padded[slot - 1], w);
    if (slot + 1 < padded.length) s += lm.logProb(padded[slot - 1], w, padded[slot + 1]);
    if (slot + 2 < padded.length) s += lm.logProb(w, padded[slot + 1], padded[slot + 2]);
    scores[w] = w === EOS ? -Infinity : s;
  }
  return scores;
}

/**
 * Repetition-penalised scores (Keskar et al.'s CTRL penalty, as the paper's code applies it to logits):
 * a word already in the sentence c times has its score divided by θᶜ when positive, multiplied by θᶜ
 * when negative, so repeats become less likely for θ > 1 whatever the score's sign.
 */
export function penaliseRepetition(scores: Float64Array, sentence: readonly number[], theta: number): Float64Array {
  const out = Float64Array.from(scores);
  if (theta === 1) return out;
  const counts = new Map<number, number>();
  for (const w of sentence) counts.set(w, (counts.get(w) ?? 0) + 1);
  for (const [w, c] of counts) {
    const factor = theta ** c;
    out[w] = out[w] > 0 ? out[w] / factor : out[w] * factor;
  }
  return out;
}

/** Samples an index from softmax(scores) restricted to the top k; returns it with its probability. */
export function sampleTopK(scores: Float64Array, k: number, random: () => number): { id: number; prob: number } {
  const order = Array.from(scores.keys()).filter((i) => Number.isFinite(scores[i])).sort((a, b) => scores[b] - scores[a]).slice(0, k);
  const max = scores[order[0]];
  const weights = order.map((i) => Math.exp(scores[i] - max));
  const total = weights.reduce((s, x) => s + x, 0);
  let r = random() * total;
  for (let j = 0; j < order.length; j++) {
    r -= weights[j];
    if (r <= 0) return { id: order[j], prob: weights[j] / total };
  }
  return { id: order[order.length - 1], prob: weights[order.length - 1] / total };
}

/** The probability the top-k softmax gives word `id` (0 if it is outside the top k). */
export function topKProb(scores: Float64Array, k: number, id: number): number {
  const order = Array.from(scores.keys()).filter((i) => Number.isFinite(scores[i])).sort((a, b) => scores[b] - scores[a]).slice(0, k);
  if (!order.includes(id)) return 0;
  const max = scores[order[0]];
  const total = order.reduce((s, i) => s + Math.exp(scores[i] - max), 0);
  return Math.exp(scores[id] - max) / total;
}
