import { describe, expect, it } from 'vitest';
import { chanceTopK, cosineMatrix, topKAccuracy, topKIndices, trueRanks } from '../../src/lib/brain/retrieval.ts';
import { meanSd, pearson } from '../../src/lib/brain/stats.ts';

describe('N-way retrieval', () => {
  it('cosine similarity ignores length and handles a zero row', () => {
    const s = cosineMatrix([2, 0, 0, 0], [1, 0, 0, 3], 2);
    expect(Array.from(s)).toEqual([1, 0, 0, 0]);
  });
  it('a perfect decoder retrieves every stimulus first', () => {
    const targets = [1, 0, 0, 1, -1, 0, 0, -1];
    const s = cosineMatrix(targets, targets, 2);
    expect(topKAccuracy(s, 4, 1)).toBe(1);
  });
  it('counts ranks on a hand-made 3-way score matrix', () => {
    // row 0: own 0.9 is best (rank 0); row 1: own 0.2 below 0.5 and 0.3 (rank 2); row 2: own 0.4 below 0.6 (rank 1)
    const scores = [0.9, 0.1, 0.2, 0.5, 0.2, 0.3, 0.6, 0.1, 0.4];
    expect(Array.from(trueRanks(scores, 3))).toEqual([0, 2, 1]);
    expect(topKAccuracy(scores, 3, 1)).toBeCloseTo(1 / 3);
    expect(topKAccuracy(scores, 3, 2)).toBeCloseTo(2 / 3);
    expect(topKAccuracy(scores, 3, 3)).toBe(1);
    expect(topKIndices(scores, 3, 1, 2)).toEqual([0, 2]);
  });
  it('a constant decoder (all ties) sits at chance, not at 100 %', () => {
    const n = 10;
    const scores = new Float64Array(n * n).fill(0.5);
    expect(topKAccuracy(scores, n, 1)).toBeCloseTo(0.1, 12); // ties broken at random: k/N
    expect(topKAccuracy(scores, n, 5)).toBeCloseTo(0.5, 12);
    expect(Array.from(trueRanks(scores, n))).toEqual(new Array(n).fill(4.5));
    expect(chanceTopK(100, 1)).toBe(0.01);
    expect(chanceTopK(100, 5)).toBe(0.05);
    expect(chanceTopK(3, 5)).toBe(1);
  });
  it('rejects a non-square score matrix and k < 1', () => {
    expect(() => trueRanks([1, 2, 3], 2)).toThrow(RangeError);
    expect(() => topKAccuracy([1], 1, 0)).toThrow(/k must be ≥ 1/);
  });
});

describe('statistics', () => {
  it('mean ± SD uses n − 1', () => {
    expect(meanSd([1, 2, 3, 4])).toEqual({ mean: 2.5, sd: Math.sqrt(5 / 3), n: 4 });
    expect(meanSd([7]).sd).toBe(0);
  });
  it('Pearson r and its p-value match a hand-computed case', () => {
    // x = 1…5, y = 2, 4, 5, 4, 5: r = 6 / √(10 · 6) = 0.7746, t = r√3/√(1 − r²) = 2.1213, p (df 3) = 0.1240
    const { r, p, n } = pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]);
    expect(n).toBe(5);
    expect(r).toBeCloseTo(0.774597, 5);
    expect(p).toBeCloseTo(0.124, 3);
    expect(pearson([1, 2, 3], [3, 2, 1])).toMatchObject({ r: -1, p: 0 });
    expect(Number.isNaN(pearson([1, 2, 3], [1, 1, 1]).r)).toBe(true);
  });
});
