import type { Rng } from '../util/random.ts';

/**
 * Token-level edit actions, numbered as in the paper's code: for each token of a sentence (and the end
 * marker, where only insert applies) the action that would make the sentence right.
 *   copy (0): keep the token · replace (1): the token is wrong · insert (2): a word is missing before the
 *   token · delete (3): the token should go.
 */
export const ACTIONS = ['copy', 'replace', 'insert', 'delete'] as const;
export type Action = (typeof ACTIONS)[number];
export const COPY = 0;
export const REPLACE = 1;
export const INSERT = 2;
export const DELETE = 3;

/** A sentence being corrupted: each token remembers how it got there. */
interface Tracked {
  id: number;
  replaced: boolean;
  inserted: boolean;
  gapBefore: boolean;
}

export type Corruption = { kind: 'replace' | 'delete' | 'insert'; position: number; word?: number };

/**
 * Applies corruptions to a correct sentence and returns the corrupted tokens with the action labels that
 * undo them, one per token plus one for the end marker (insert when the last word was dropped).
 */
export function corrupt(ids: readonly number[], corruptions: readonly Corruption[]): { ids: number[]; labels: number[] } {
  const tokens: Tracked[] = ids.map((id) => ({ id, replaced: false, inserted: false, gapBefore: false }));
  let gapAtEnd = false;
  for (const c of corruptions) {
    if (c.kind === 'replace') {
      const t = tokens[c.position];
      if (t.id === c.word) continue; // the same word again is no corruption
      t.id = c.word!;
      if (!t.inserted) t.replaced = true;
    } else if (c.kind === 'insert') {
      tokens.splice(c.position, 0, { id: c.word!, replaced: false, inserted: true, gapBefore: false });
    } else {
      const [removed] = tokens.splice(c.position, 1);
      if (removed.inserted) {
        // deleting a spurious word restores the sentence there; a gap before it moves to the next token
        if (removed.gapBefore) {
          if (c.position < tokens.length) tokens[c.position].gapBefore = true;
          else gapAtEnd = true;
        }
      } else if (c.position < tokens.length) tokens[c.position].gapBefore = true;
      else gapAtEnd = true;
    }
  }
  const labels = tokens.map((t) => (t.inserted ? DELETE : t.replaced ? REPLACE : t.gapBefore ? INSERT : COPY));
  labels.push(gapAtEnd ? INSERT : COPY);
  return { ids: tokens.map((t) => t.id), labels };
}

/**
 * The classifier's training samples, as the paper's synthetic data: a correct caption, the caption with
 * a word replaced / a word dropped / a random word inserted (1–3 such edits), and the caption cut down to
 * its keywords (what pseudo-labelling starts from: inserts everywhere words are missing).
 */
export function syntheticSample(ids: readonly number[], isKeyword: (id: number) => boolean, vocabSize: number, firstWord: number, rng: Rng): { ids: number[]; labels: number[] } {
  const kind = rng.int(5);
  if (kind === 0) return corrupt(ids, []);
  if (kind === 1) {
    // keep the keywords only, dropping every other word (right to left so positions stay valid)
    const drops: Corruption[] = [];
    for (let i = ids.length - 1; i >= 0; i--) if (!isKeyword(ids[i])) drops.push({ kind: 'delete', position: i });
    return corrupt(ids, drops);
  }
  const corruptions: Corruption[] = [];
  let length = ids.length;
  const edits = 1 + rng.int(3);
  for (let e = 0; e < edits; e++) {
    const op = rng.int(3);
    const word = firstWord + rng.int(vocabSize - firstWord);
    if (op === 0 && length > 0) corruptions.push({ kind: 'replace', position: rng.int(length), word });
    else if (op === 1 && length > 1) {
      corruptions.push({ kind: 'delete', position: rng.int(length) });
      length--;
    } else {
      corruptions.push({ kind: 'insert', position: rng.int(length + 1), word });
      length++;
    }
  }
  return corrupt(ids, corruptions);
}

/** Applies one edit of the pseudo-labeller to a sentence (and its keyword flags, kept aligned). */
export function applyEdit(ids: readonly number[], keywords: readonly boolean[], action: number, position: number, word: number): { ids: number[]; keywords: boolean[] } {
  const nextIds = ids.slice();
  const nextKeywords = keywords.slice();
  if (action === REPLACE) nextIds[position] = word;
  else if (action === INSERT) {
    nextIds.splice(position, 0, word);
    nextKeywords.splice(position, 0, false);
  } else if (action === DELETE) {
    nextIds.splice(position, 1);
    nextKeywords.splice(position, 1);
  }
  return { ids: nextIds, keywords: nextKeywords };
}

/**
 * Which (action, position) pairs are allowed, as in the paper's code: keywords are never replaced or
 * deleted; the end marker (position = length) only takes inserts; nothing grows past `maxLength`.
 */
export function allowed(action: number, position: number, keywords: readonly boolean[], maxLength: number): boolean {
  const length = keywords.length;
  if (action === INSERT) return position <= length && length < maxLength;
  if (position >= length) return false;
  if (action === REPLACE || action === DELETE) return !keywords[position];
  return false;
}
