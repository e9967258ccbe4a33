import { BYTE_TO_CHAR, splitWords, toByteLevel } from './byteLevel.ts';

/**
 * Trains a byte-level BPE vocabulary (Sennrich et al. 2016, with GPT-2's byte alphabet): start from the
 * 256 byte symbols, then repeatedly merge the most frequent adjacent pair of symbols across the
 * corpus's words until the vocabulary has `vocabSize` entries. Special tokens take the first ids (OPT
 * puts `<s> <pad> </s> <unk>` at 0–3) and are cut out of the text before counting, so no merge learns
 * them. Ties between equally frequent pairs go to the pair made first (lower symbol ids), so the result
 * depends only on the text.
 */
export interface BpeTrainingOptions {
  texts: Iterable<string>;
  vocabSize: number;
  specialTokens: readonly string[];
  /** Words seen fewer times than this are ignored (saves time on a long tail of typos). */
  minWordCount?: number;
  onProgress?: (mergesDone: number, mergesTotal: number) => void;
}

export interface BpeVocabulary {
  /** Token string (byte-level characters) → id. */
  vocab: Record<string, number>;
  /** Merges in priority order, each "left right" as in merges.txt. */
  merges: string[];
}

const PAIR_BASE = 1 << 16;

export function trainByteLevelBpe(options: BpeTrainingOptions): BpeVocabulary {
  const { vocabSize, specialTokens } = options;
  const baseSize = specialTokens.length + 256;
  if (!Number.isInteger(vocabSize) || vocabSize < baseSize || vocabSize > PAIR_BASE) {
    throw new RangeError(`BPE vocabulary size must be an integer in [${baseSize}, ${PAIR_BASE}], got ${vocabSize}`);
  }
  const symbols: string[] = [...BYTE_TO_CHAR];
  const symbolOfChar = new Map(symbols.map((s, i) => [s, i]));

  const wordCounts = countWords(options.texts, specialTokens);
  const minCount = options.minWordCount ?? 1;
  const words: number[][] = [];
  const freqs: number[] = [];
  for (const [word, count] of wordCounts) {
    if (count < minCount) continue;
    words.push([...word].map((char) => symbolOfChar.get(char)!));
    freqs.push(count);
  }

  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairs = (w: number, sign: 1 | -1) => {
    const word = words[w];
    for (let i = 0; i + 1 < word.length; i++) {
      const key = word[i] * PAIR_BASE + word[i + 1];
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + sign * freqs[w]);
      if (sign > 0) {
        let set = pairWords.get(key);
        if (!set) pairWords.set(key, (set = new Set()));
        set.add(w);
      }
    }
  };
  for (let w = 0; w < words.length; w++) addPairs(w, 1);

  const heap = new PairHeap();
  for (const [key, count] of pairCounts) heap.push(count, key);

  const merges: string[] = [];
  const mergesTotal = vocabSize - baseSize;
  while (merges.length < mergesTotal) {
    const best = popCurrent(heap, pairCounts);
    if (best === undefined) break; // every word is a single symbol: nothing left to merge
    const left = Math.floor(best / PAIR_BASE);
    const right = best % PAIR_BASE;
    const merged = symbols.length;
    symbols.push(symbols[left] + symbols[right]);
    merges.push(`${symbols[left]} ${symbols[right]}`);
    const touched = new Set<number>();
    for (const w of pairWords.get(best) ?? []) {
      const word = words[w];
      if (!containsPair(word, left, right)) continue;
      recordPairs(word, touched);
      addPairs(w, -1);
      words[w] = mergePair(word, left, right, merged);
      addPairs(w, 1);
      recordPairs(words[w], touched);
    }
    pairWords.delete(best);
    pairCounts.delete(best);
    for (const key of touched) {
      const count = pairCounts.get(key) ?? 0;
      if (count > 0) heap.push(count, key);
      else pairCounts.delete(key);
    }
    if (merges.length % 100 === 0) options.onProgress?.(merges.length, mergesTotal);
  }

  const vocab: Record<string, number> = {};
  specialTokens.forEach((token, id) => (vocab[token] = id));
  symbols.forEach((symbol, index) => (vocab[symbol] = specialTokens.length + index));
  return { vocab, merges };
}

function countWords(texts: Iterable<string>, specialTokens: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  const specials = specialTokens.map(escapeRegExp).join('|');
  const cut = specials ? new RegExp(specials, 'g') : undefined;
  for (const text of texts) {
    for (const piece of cut ? text.split(cut) : [text]) {
      for (const word of splitWords(piece)) {
        const key = toByteLevel(word);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
  }
  return counts;
}

function containsPair(word: number[], left: number, right: number): boolean {
  for (let i = 0; i + 1 < word.length; i++) if (word[i] === left && word[i + 1] === right) return true;
  return false;
}

function mergePair(word: number[], left: number, right: number, merged: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < word.length; i++) {
    if (i + 1 < word.length && word[i] === left && word[i + 1] === right) {
      out.push(merged);
      i++;
    } else {
      out.push(word[i]);
    }
  }
  return out;
}

function recordPairs(word: number[], into: Set<number>): void {
  for (let i = 0; i + 1 < word.length; i++) into.add(word[i] * PAIR_BASE + word[i + 1]);
}

/** Pops heap entries until one still matches its pair's current count (stale entries are skipped). */
function popCurrent(heap: PairHeap, pairCounts: Map<number, number>): number | undefined {
  while (heap.size > 0) {
    const [count, key] = heap.pop();
    if (pairCounts.get(key) === count && count > 0) return key;
  }
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A binary max-heap of (count, pair key); ties go to the smaller key. */
class PairHeap {
  private readonly counts: number[] = [];
  private readonly keys: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.counts.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): [number, number] {
    const top: [number, number] = [this.counts[0], this.keys[0]];
    const lastCount = this.counts.pop()!;
    const lastKey = this.keys.pop()!;
    if (this.counts.length > 0) {
      this.counts[0] = lastCount;
      this.keys[0] = lastKey;
      let i = 0;
      while (true) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < this.counts.length && this.before(l, best)) best = l;
        if (r < this.counts.length && this.before(r, best)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    return top;
  }

  private before(a: number, b: number): boolean {
    return this.counts[a] > this.counts[b] || (this.counts[a] === this.counts[b] && this.keys[a] < this.keys[b]);
  }

  private swap(a: number, b: number): void {
    [this.counts[a], this.counts[b]] = [this.counts[b], this.counts[a]];
    [this.keys[a], this.keys[b]] = [this.keys[b], this.keys[a]];
  }
}
