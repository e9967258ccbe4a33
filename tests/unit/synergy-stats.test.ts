import { describe, expect, it } from 'vitest';
import { incompleteBeta, logGamma, normalCdf, studentTCdf, studentTQuantile } from '../../src/lib/synergy/distributions.ts';
import { exactSignedRankCdf, linearRegression, pairedTTest, wilcoxonSignedRank } from '../../src/lib/synergy/stats.ts';
import { hoyerSparseness } from '../../src/lib/synergy/sparseness.ts';
import { cosineMatrix, hungarian, matchSynergies } from '../../src/lib/synergy/matching.ts';

// Reference values computed with SciPy 1.17 (scipy.stats / scipy.special), an independent implementation.
describe('distribution functions', () => {
  it('log Γ matches known values', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5723649429247, 12);
    expect(logGamma(10.3)).toBeCloseTo(13.482036786138359, 11);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
  });
  it('the incomplete beta matches SciPy', () => {
    expect(incompleteBeta(0.3, 2.5, 1.5)).toBeCloseTo(0.08894372317066562, 12);
    expect(incompleteBeta(0, 2, 3)).toBe(0);
    expect(incompleteBeta(1, 2, 3)).toBe(1);
  });
  it("Student's t CDF matches SciPy in the body and the tail", () => {
    expect(studentTCdf(2.0, 10)).toBeCloseTo(0.9633059826146299, 12);
    expect(studentTCdf(-1.3, 3)).toBeCloseTo(0.14223375436394853, 12);
    expect(2 * (1 - studentTCdf(4.5, 25))).toBeCloseTo(0.00013619005105880118, 11);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.2281388519649385, 9);
  });
  it('the normal CDF matches SciPy, also far in the tail', () => {
    expect(normalCdf(-1.96)).toBeCloseTo(0.024997895148220435, 13);
    expect(normalCdf(0.5)).toBeCloseTo(0.6914624612740131, 13);
    expect(normalCdf(-6) / 9.865876450376946e-10).toBeCloseTo(1, 9);
  });
});

describe('paired tests', () => {
  const a = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
  const b = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
  it('the paired t-test matches scipy.stats.ttest_rel', () => {
    const t = pairedTTest(a, b);
    expect(t.t).toBeCloseTo(-3.0353754156485917, 10);
    expect(t.p).toBeCloseTo(0.016176627434908088, 11);
    expect(t.cohensDz).toBeCloseTo(t.t / Math.sqrt(9), 12);
    expect(t.ci95[1]).toBeLessThan(0);
  });
  it('Wilcoxon is exact without ties (scipy.stats.wilcoxon)', () => {
    const w = wilcoxonSignedRank(a, b);
    expect(w.method).toBe('exact');
    expect(w.statistic).toBe(5);
    expect(w.p).toBeCloseTo(0.0390625, 12);
    expect(w.rankBiserial).toBeCloseTo((w.wPlus - w.wMinus) / 45, 12);
  });
  it('Wilcoxon with tied differences uses the tie-corrected normal approximation', () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const d = [0.5, -0.5, 1, 1, 2, -1, 1.5, 2, 1, 0.5];
    const w = wilcoxonSignedRank(x, x.map((v, i) => v + d[i]));
    expect(w.method).toBe('normal');
    expect(w.statistic).toBe(7.5);
    expect(w.p).toBeCloseTo(0.03951914732547634, 12);
  });
  it('the exact signed-rank distribution sums to one and is symmetric', () => {
    expect(exactSignedRankCdf(55, 10)).toBe(1);
    expect(exactSignedRankCdf(0, 10)).toBe(1 / 1024);
    // P(W ≤ w) = P(W ≥ 55 − w) = 1 − P(W ≤ 54 − w)
    expect(exactSignedRankCdf(20, 10)).toBeCloseTo(1 - exactSignedRankCdf(34, 10), 14);
  });
  it('drops incomplete pairs and rejects too few', () => {
    expect(pairedTTest([1, 2, Number.NaN, 4], [2, 3, 5, 6]).n).toBe(3);
    expect(() => pairedTTest([1], [2])).toThrow(/at least 2/);
  });
  it('linear regression matches scipy.stats.linregress', () => {
    const r = linearRegression([1, 2, 3, 4, 5, 6], [2.1, 3.9, 6.2, 7.8, 10.1, 12.2]);
    expect(r.slope).toBeCloseTo(2.02, 12);
    expect(r.intercept).toBeCloseTo(-0.02, 12);
    expect(r.r2).toBeCloseTo(0.9982106661074996, 12);
    expect(r.pSlope).toBeCloseTo(1.2013602560217847e-6, 15);
  });
});

describe('sparseness and matching', () => {
  it('Hoyer sparseness is 0 for a flat vector, 1 for a single entry, NaN for zero', () => {
    expect(hoyerSparseness([1, 1, 1, 1])).toBeCloseTo(0, 12);
    expect(hoyerSparseness([0, 0, 3, 0])).toBeCloseTo(1, 12);
    expect(hoyerSparseness([1, 0])).toBeCloseTo(1, 12);
    expect(hoyerSparseness([1, 1, 0, 0])).toBeCloseTo((2 - 2 / Math.SQRT2) / 1, 12);
    expect(hoyerSparseness([0, 0])).toBeNaN();
  });
  it('the Hungarian algorithm finds the optimum that brute force finds', () => {
    const cost = [
      [4, 1, 3, 2],
      [2, 0, 5, 3],
      [3, 2, 2, 4],
    ];
    const assignment = hungarian(cost);
    const total = assignment.reduce((sum, col, row) => sum + cost[row][col], 0);
    let best = Infinity;
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) for (let c = 0; c < 4; c++) {
      if (new Set([a, b, c]).size === 3) best = Math.min(best, cost[0][a] + cost[1][b] + cost[2][c]);
    }
    expect(total).toBe(best);
    expect(new Set(assignment).size).toBe(3);
  });
  it('matching pairs synergies by cosine similarity, not by order', () => {
    // W [3 muscles, 2]: the other set holds the same synergies swapped.
    const reference = [1, 0, 0, 1, 1, 0];
    const other = [0, 1, 1, 0, 0, 1];
    const { partner, similarity } = matchSynergies(reference, other, 2, 3);
    expect(partner).toEqual([1, 0]);
    expect(similarity.every((s) => Math.abs(s - 1) < 1e-12)).toBe(true);
    expect(cosineMatrix(reference, 2, other, 2, 3)[0][0]).toBeCloseTo(0, 12);
  });
});
