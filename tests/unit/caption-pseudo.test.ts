import { describe, expect, it } from 'vitest';
import { COPY, DELETE, INSERT, REPLACE, allowed, applyEdit, corrupt } from '../../src/lib/caption/edits.ts';
import { penaliseRepetition, sampleTopK, sentenceLogProb, slotScores, topKProb, trainTrigramLm } from '../../src/lib/caption/ngramLm.ts';
import { PSEUDO_DEFAULTS, editChain } from '../../src/lib/caption/pseudoLabel.ts';
import { Vocabulary } from '../../src/lib/caption/vocab.ts';
import { keywordsOf } from '../../src/lib/caption/grammar.ts';
import { Rng } from '../../src/lib/util/random.ts';

describe('edit actions', () => {
  const s = [10, 11, 12, 13]; // "a red ball moves"

  it('labels a replaced word replace, the word after a dropped one insert, a spurious word delete', () => {
    expect(corrupt(s, [])).toEqual({ ids: s, labels: [COPY, COPY, COPY, COPY, COPY] });
    expect(corrupt(s, [{ kind: 'replace', position: 2, word: 99 }])).toEqual({ ids: [10, 11, 99, 13], labels: [COPY, COPY, REPLACE, COPY, COPY] });
    expect(corrupt(s, [{ kind: 'delete', position: 1 }])).toEqual({ ids: [10, 12, 13], labels: [COPY, INSERT, COPY, COPY] });
    expect(corrupt(s, [{ kind: 'delete', position: 3 }])).toEqual({ ids: [10, 11, 12], labels: [COPY, COPY, COPY, INSERT] });
    expect(corrupt(s, [{ kind: 'insert', position: 0, word: 50 }])).toEqual({ ids: [50, 10, 11, 12, 13], labels: [DELETE, COPY, COPY, COPY, COPY, COPY] });
    // replacing with the same word is no corruption; deleting an inserted word restores the sentence
    expect(corrupt(s, [{ kind: 'replace', position: 0, word: 10 }]).labels).toEqual([COPY, COPY, COPY, COPY, COPY]);
    expect(corrupt(s, [{ kind: 'insert', position: 2, word: 50 }, { kind: 'delete', position: 2 }])).toEqual({ ids: s, labels: [COPY, COPY, COPY, COPY, COPY] });
  });

  it('applies edits keeping keyword flags aligned, and never lets a keyword be replaced or deleted', () => {
    const kw = [false, true, true, false];
    expect(applyEdit(s, kw, INSERT, 4, 77)).toEqual({ ids: [10, 11, 12, 13, 77], keywords: [false, true, true, false, false] });
    expect(applyEdit(s, kw, DELETE, 0, 0)).toEqual({ ids: [11, 12, 13], keywords: [true, true, false] });
    expect(applyEdit(s, kw, REPLACE, 3, 5).ids).toEqual([10, 11, 12, 5]);
    expect(allowed(REPLACE, 1, kw, 14)).toBe(false);
    expect(allowed(DELETE, 2, kw, 14)).toBe(false);
    expect(allowed(DELETE, 3, kw, 14)).toBe(true);
    expect(allowed(INSERT, 4, kw, 14)).toBe(true); // before the end marker
    expect(allowed(REPLACE, 4, kw, 14)).toBe(false);
    expect(allowed(INSERT, 0, kw, 4)).toBe(false); // at the length limit
  });
});

describe('language model and repetition-penalised sampling', () => {
  const vocab = new Vocabulary(['a red ball moves left', 'the red ball moves right', 'a blue box grows']);
  const lm = trainTrigramLm(['a red ball moves left', 'the red ball moves right', 'a blue box grows'].map((s) => vocab.encode(s)), vocab.size);

  it('each conditional P(· | u, v) sums to 1, seen context or not', () => {
    for (const [u, v] of [[1, 1], [vocab.id('a'), vocab.id('red')], [vocab.id('box'), vocab.id('left')]]) {
      let total = 0;
      for (let w = 0; w < vocab.size; w++) total += Math.exp(lm.logProb(u, v, w));
      expect(total).toBeCloseTo(1, 10);
    }
    expect(sentenceLogProb(lm, vocab.encode('a red ball moves left'))).toBeGreaterThan(sentenceLogProb(lm, vocab.encode('left moves ball red a')));
  });

  it('slot scores prefer the word the corpus puts there', () => {
    const ids = vocab.encode('a red ball moves left');
    const scores = slotScores(lm, ids, 2);
    const best = Array.from(scores.keys()).sort((x, y) => scores[y] - scores[x])[0];
    expect(vocab.words[best]).toBe('ball');
  });

  it('penalises a repeated word: negative scores × θ^count, positive ÷ θ^count; θ = 1 changes nothing', () => {
    const scores = Float64Array.from([-1, -2, 0.5, -0.5]);
    expect([...penaliseRepetition(scores, [0, 2, 2], 2)]).toEqual([-2, -2, 0.125, -0.5]);
    expect([...penaliseRepetition(scores, [0, 2, 2], 1)]).toEqual([...scores]);
  });

  it('sampling with θ > 1 draws a word already in the sentence less often', () => {
    const scores = Float64Array.from([-0.5, -1, -1.2, -3]); // word 0 is the LM's favourite, and already used
    const share = (theta: number) => {
      const rng = new Rng(4);
      const penalised = penaliseRepetition(scores, [0], theta);
      let hits = 0;
      for (let i = 0; i < 4000; i++) if (sampleTopK(penalised, 3, () => rng.next()).id === 0) hits++;
      return hits / 4000;
    };
    const expected = (theta: number) => topKProb(penaliseRepetition(scores, [0], theta), 3, 0);
    expect(share(1)).toBeCloseTo(expected(1), 1);
    expect(share(2)).toBeCloseTo(expected(2), 1);
    expect(expected(2)).toBeLessThan(expected(1) - 0.1); // 0.47 → 0.35
    expect(topKProb(scores, 2, 3)).toBe(0); // outside the top k
  });
});

describe('lexically constrained edit chains', () => {
  const captions = ['a red ball moves left', 'the red ball slides left', 'a small blue box grows', 'the blue box gets bigger', 'a green disc turns red'];
  const vocab = new Vocabulary(captions);
  const lm = trainTrigramLm(captions.map((s) => vocab.encode(s)), vocab.size);
  const isKeyword = (id: number) => id > 3 && keywordsOf(vocab.words[id]).length > 0;

  it('starts from the keywords, keeps them in order in every sentence it visits, and records each step', () => {
    const rng = new Rng(1);
    for (const caption of captions) {
      const chain = editChain(caption, { lm, vocab, isKeyword }, { ...PSEUDO_DEFAULTS, actionSource: 'random', steps: 30, burnIn: 0 }, rng);
      const keywords = keywordsOf(caption);
      expect(chain.start).toBe(keywords.join(' '));
      expect(chain.steps).toHaveLength(30);
      for (const step of chain.steps) {
        const words = step.sentence.split(' ');
        let at = -1;
        for (const k of keywords) {
          const next = words.indexOf(k, at + 1);
          expect(next, `${k} kept in "${step.sentence}"`).toBeGreaterThan(at);
          at = next;
        }
      }
      expect(chain.steps.some((s) => s.accepted)).toBe(true);
    }
  });
});
