import { InputError } from '../errors.ts';

/**
 * Caption metrics as the COCO caption evaluation toolkit (tylin/coco-caption, pycocoevalcap) defines them,
 * on pre-tokenised text: a sentence is its whitespace-separated tokens (the toolkit's `str.split()`);
 * nothing is lower-cased or stripped here, so give lower-case, tokenised text as the toolkit expects
 * after its PTB tokenizer. Written from the toolkit's definitions (docs/captioning.md), not its code.
 *
 *  - BLEU-1…4 at corpus level: clipped n-gram counts (max count over one clip's references) summed over
 *    clips; the reference length of each clip is the reference length closest to the candidate's
 *    (ties → the shorter); brevity penalty exp(1 − r/c) when c < r; the toolkit's 1e-15 / 1e-9 guards.
 *  - ROUGE-L: per clip, P = max_ref LCS/|cand|, R = max_ref LCS/|ref| (maxima taken separately),
 *    F = (1 + β²) P R / (R + β² P) with β = 1.2; the corpus score is the mean over clips.
 *  - CIDEr-D: tf-idf n-gram vectors (n = 1…4) with document frequencies counted over the evaluated clips'
 *    references (a clip counts once per n-gram), idf = log(#clips) − log(max(1, df)); per n the clipped
 *    cosine Σ min(h, r)·r / (|h||r|) times the Gaussian length penalty exp(−δ²/2σ²), σ = 6, where the
 *    "length" is the toolkit's: the number of bigrams; mean over n, mean over references, ×10.
 */
export type RefSet = Record<string, readonly string[]>;
export type CandSet = Record<string, string>;

export interface CaptionScores {
  bleu1: number;
  bleu2: number;
  bleu3: number;
  bleu4: number;
  rougeL: number;
  cider: number;
}

export const tokens = (sentence: string): string[] => sentence.split(/\s+/).filter((t) => t.length > 0);

/** Counts of every n-gram of 1…maxN tokens, keyed by the n-gram joined with a space. */
export function ngramCounts(words: readonly string[], maxN = 4): Map<string, number>[] {
  const byN: Map<string, number>[] = [];
  for (let n = 1; n <= maxN; n++) {
    const counts = new Map<string, number>();
    for (let i = 0; i + n <= words.length; i++) {
      const key = words.slice(i, i + n).join(' ');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    byN.push(counts);
  }
  return byN;
}

/** Checks the two sets name the same clips, each with ≥ 1 reference; returns the ids in sorted order. */
export function checkPairs(refs: RefSet, cands: CandSet): string[] {
  const ids = Object.keys(cands).sort();
  if (ids.length === 0) throw new InputError('no candidate captions to score');
  for (const id of ids) {
    const r = refs[id];
    if (!Array.isArray(r) || r.length === 0) throw new InputError(`clip "${id}" has a candidate but no reference captions`);
    if (typeof cands[id] !== 'string') throw new InputError(`the candidate for clip "${id}" must be a string`);
  }
  const extra = Object.keys(refs).filter((id) => !(id in cands));
  if (extra.length > 0) throw new InputError(`clip "${extra[0]}" has references but no candidate (${extra.length} such clips)`);
  return ids;
}

const TINY = 1e-15;
const SMALL = 1e-9;

export function bleu(refs: RefSet, cands: CandSet, maxN = 4): number[] {
  const ids = checkPairs(refs, cands);
  const correct = new Array<number>(maxN).fill(0);
  const guess = new Array<number>(maxN).fill(0);
  let testLength = 0;
  let refLength = 0;
  for (const id of ids) {
    const cand = tokens(cands[id]);
    const maxRef = new Map<string, number>();
    const refLengths: number[] = [];
    for (const ref of refs[id]) {
      const words = tokens(ref);
      refLengths.push(words.length);
      for (const counts of ngramCounts(words, maxN)) for (const [g, c] of counts) maxRef.set(g, Math.max(maxRef.get(g) ?? 0, c));
    }
    let closest = refLengths[0];
    for (const l of refLengths) {
      const d = Math.abs(l - cand.length);
      const best = Math.abs(closest - cand.length);
      if (d < best || (d === best && l < closest)) closest = l;
    }
    testLength += cand.length;
    refLength += closest;
    ngramCounts(cand, maxN).forEach((counts, k) => {
      guess[k] += Math.max(0, cand.length - k);
      for (const [g, c] of counts) correct[k] += Math.min(maxRef.get(g) ?? 0, c);
    });
  }
  const ratio = (testLength + TINY) / (refLength + SMALL);
  const scores: number[] = [];
  let product = 1;
  for (let k = 0; k < maxN; k++) {
    product *= (correct[k] + TINY) / (guess[k] + SMALL);
    let score = product ** (1 / (k + 1));
    if (ratio < 1) score *= Math.exp(1 - 1 / ratio);
    scores.push(score);
  }
  return scores;
}

export function lcsLength(a: readonly string[], b: readonly string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = 0;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = a[i - 1] === b[j - 1] ? diagonal + 1 : Math.max(row[j], row[j - 1]);
      diagonal = above;
    }
  }
  return row[b.length];
}

export function rougeLOne(refs: readonly string[], cand: string, beta = 1.2): number {
  const c = tokens(cand);
  let precision = 0;
  let recall = 0;
  for (const ref of refs) {
    const r = tokens(ref);
    const lcs = lcsLength(r, c);
    precision = Math.max(precision, c.length > 0 ? lcs / c.length : 0);
    recall = Math.max(recall, r.length > 0 ? lcs / r.length : 0);
  }
  if (precision === 0 || recall === 0) return 0;
  return ((1 + beta * beta) * precision * recall) / (recall + beta * beta * precision);
}

export function rougeL(refs: RefSet, cands: CandSet, beta = 1.2): number {
  const ids = checkPairs(refs, cands);
  return ids.reduce((sum, id) => sum + rougeLOne(refs[id], cands[id], beta), 0) / ids.length;
}

interface TfIdf {
  vec: Map<string, number>[];
  norm: number[];
  length: number;
}

/** CIDEr-D per clip (same order as the sorted ids) and their mean. */
export function ciderD(refs: RefSet, cands: CandSet, options: { n?: number; sigma?: number } = {}): { score: number; perClip: number[] } {
  const n = options.n ?? 4;
  const sigma = options.sigma ?? 6;
  const ids = checkPairs(refs, cands);
  const refCounts = ids.map((id) => refs[id].map((r) => ngramCounts(tokens(r), n)));
  const candCounts = ids.map((id) => ngramCounts(tokens(cands[id]), n));
  const df = new Map<string, number>();
  for (const clip of refCounts) {
    const seen = new Set<string>();
    for (const ref of clip) for (const counts of ref) for (const g of counts.keys()) seen.add(g);
    for (const g of seen) df.set(g, (df.get(g) ?? 0) + 1);
  }
  const logClips = Math.log(ids.length);
  const toVec = (counts: Map<string, number>[]): TfIdf => {
    let length = 0;
    const vec = counts.map((byN, k) => {
      const out = new Map<string, number>();
      for (const [g, tf] of byN) {
        out.set(g, tf * (logClips - Math.log(Math.max(1, df.get(g) ?? 0))));
        if (k === 1) length += tf; // the toolkit's length: bigram count
      }
      return out;
    });
    const norm = vec.map((v) => Math.sqrt([...v.values()].reduce((s, x) => s + x * x, 0)));
    return { vec, norm, length };
  };
  const perClip = ids.map((_, i) => {
    const hyp = toVec(candCounts[i]);
    let total = 0;
    for (const refCount of refCounts[i]) {
      const ref = toVec(refCount);
      const delta = hyp.length - ref.length;
      const penalty = Math.exp(-(delta * delta) / (2 * sigma * sigma));
      let sumOverN = 0;
      for (let k = 0; k < n; k++) {
        let dot = 0;
        for (const [g, h] of hyp.vec[k]) {
          const r = ref.vec[k].get(g) ?? 0;
          dot += Math.min(h, r) * r;
        }
        if (hyp.norm[k] !== 0 && ref.norm[k] !== 0) dot /= hyp.norm[k] * ref.norm[k];
        sumOverN += dot * penalty;
      }
      total += sumOverN / n;
    }
    return (total / refCounts[i].length) * 10;
  });
  return { score: perClip.reduce((s, x) => s + x, 0) / perClip.length, perClip };
}

export function scoreCaptions(refs: RefSet, cands: CandSet): CaptionScores {
  const [bleu1, bleu2, bleu3, bleu4] = bleu(refs, cands);
  return { bleu1, bleu2, bleu3, bleu4, rougeL: rougeL(refs, cands), cider: ciderD(refs, cands).score };
}

/** Parses the CLI's / page's files: refs `{"id": ["ref", …]}` and cands `{"id": "candidate"}`, with clear errors. */
export function parseRefs(text: string, name: string): RefSet {
  const value = parseJsonObject(text, name);
  for (const [id, list] of Object.entries(value)) {
    if (!Array.isArray(list) || list.length === 0 || list.some((s) => typeof s !== 'string'))
      throw new InputError(`${name}: clip "${id}" must map to a non-empty list of reference strings`);
  }
  return value as RefSet;
}

export function parseCands(text: string, name: string): CandSet {
  const value = parseJsonObject(text, name);
  for (const [id, cand] of Object.entries(value)) {
    if (typeof cand !== 'string') throw new InputError(`${name}: clip "${id}" must map to one candidate string`);
  }
  return value as CandSet;
}

function parseJsonObject(text: string, name: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${name} is not valid JSON`, (error as Error).message);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputError(`${name} must be a JSON object keyed by clip id`);
  return value as Record<string, unknown>;
}
