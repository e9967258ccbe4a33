import { normalCdf, studentTQuantile, studentTTwoSided } from './distributions.ts';

/**
 * Paired comparisons between two conditions (one value per participant in each), and a simple
 * linear regression. Pairs with a non-finite value are dropped and `n` says how many were used.
 */
export interface PairedTTest {
  n: number;
  meanA: number;
  meanB: number;
  /** Mean of B − A. */
  meanDifference: number;
  sdDifference: number;
  t: number;
  df: number;
  p: number;
  /** Cohen's d_z = mean(B − A) / sd(B − A). */
  cohensDz: number;
  /** 95 % confidence interval of the mean difference. */
  ci95: [number, number];
}

export function pairedTTest(a: readonly number[], b: readonly number[]): PairedTTest {
  const [x, y] = finitePairs(a, b);
  const n = x.length;
  if (n < 2) throw new RangeError(`a paired t-test needs at least 2 complete pairs, got ${n}`);
  const d = y.map((v, i) => v - x[i]);
  const meanDifference = meanOf(d);
  const sdDifference = Math.sqrt(d.reduce((sum, v) => sum + (v - meanDifference) ** 2, 0) / (n - 1));
  const df = n - 1;
  const se = sdDifference / Math.sqrt(n);
  // All differences equal: t is ±∞ (p = 0) unless they are all zero (no evidence, p = 1).
  const t = se > 0 ? meanDifference / se : meanDifference === 0 ? 0 : Math.sign(meanDifference) * Infinity;
  const p = Number.isFinite(t) ? studentTTwoSided(t, df) : 0;
  const half = studentTQuantile(0.975, df) * se;
  return {
    n,
    meanA: meanOf(x),
    meanB: meanOf(y),
    meanDifference,
    sdDifference,
    t,
    df,
    p,
    cohensDz: sdDifference > 0 ? meanDifference / sdDifference : Number.NaN,
    ci95: [meanDifference - half, meanDifference + half],
  };
}

export interface WilcoxonTest {
  /** Pairs with a non-zero difference (zeros are dropped, Wilcoxon's original convention). */
  n: number;
  wPlus: number;
  wMinus: number;
  /** min(W+, W−), as reported for the two-sided test. */
  statistic: number;
  p: number;
  method: 'exact' | 'normal';
  /** Matched-pairs rank-biserial correlation (W+ − W−) / (W+ + W−), in [−1, 1]; positive when B > A. */
  rankBiserial: number;
}

/**
 * Wilcoxon signed-rank test of B − A. Exact null distribution (all 2ⁿ sign patterns, counted by
 * dynamic programming) when n ≤ 50 and no |difference| is tied; otherwise the normal approximation
 * with the tie correction, without continuity correction (SciPy's defaults).
 */
export function wilcoxonSignedRank(a: readonly number[], b: readonly number[]): WilcoxonTest {
  const [x, y] = finitePairs(a, b);
  const d = y.map((v, i) => v - x[i]).filter((v) => v !== 0);
  const n = d.length;
  if (n === 0) return { n: 0, wPlus: 0, wMinus: 0, statistic: 0, p: 1, method: 'exact', rankBiserial: 0 };
  const { ranks, tieGroups } = averageRanks(d.map(Math.abs));
  let wPlus = 0;
  d.forEach((v, i) => (wPlus += v > 0 ? ranks[i] : 0));
  const total = (n * (n + 1)) / 2;
  const wMinus = total - wPlus;
  const statistic = Math.min(wPlus, wMinus);
  const rankBiserial = (wPlus - wMinus) / total;
  const tied = tieGroups.some((size) => size > 1);
  if (n <= 50 && !tied) {
    const p = Math.min(1, 2 * exactSignedRankCdf(statistic, n));
    return { n, wPlus, wMinus, statistic, p, method: 'exact', rankBiserial };
  }
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieGroups.reduce((sum, t) => sum + (t ** 3 - t), 0) / 48;
  const z = variance > 0 ? (statistic - total / 2) / Math.sqrt(variance) : 0;
  return { n, wPlus, wMinus, statistic, p: Math.min(1, 2 * normalCdf(-Math.abs(z))), method: 'normal', rankBiserial };
}

/** P(W ≤ w) for the signed-rank statistic of n untied ranks: subsets of {1…n} with rank sum ≤ w. */
export function exactSignedRankCdf(w: number, n: number): number {
  const max = (n * (n + 1)) / 2;
  const counts = new Float64Array(max + 1);
  counts[0] = 1;
  for (let rank = 1; rank <= n; rank++) for (let s = max; s >= rank; s--) counts[s] += counts[s - rank];
  let below = 0;
  for (let s = 0; s <= Math.min(max, Math.floor(w)); s++) below += counts[s];
  return below / 2 ** n;
}

/** Ranks 1…n of values, ties sharing their average rank; also the sizes of the tie groups. */
export function averageRanks(values: readonly number[]): { ranks: number[]; tieGroups: number[] } {
  const order = values.map((_, i) => i).sort((i, j) => values[i] - values[j]);
  const ranks = new Array<number>(values.length);
  const tieGroups: number[] = [];
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && values[order[end + 1]] === values[order[start]]) end++;
    const rank = (start + end + 2) / 2;
    for (let i = start; i <= end; i++) ranks[order[i]] = rank;
    tieGroups.push(end - start + 1);
    start = end + 1;
  }
  return { ranks, tieGroups };
}

export interface Regression {
  n: number;
  slope: number;
  intercept: number;
  r2: number;
  /** Two-sided p of slope ≠ 0 (t with n − 2 df). */
  pSlope: number;
  slopeStandardError: number;
  /** 95 % confidence interval of the slope: a slope of 1 inside it means "unchanged" fits the data. */
  slopeCi95: [number, number];
}

/** Ordinary least squares y = intercept + slope · x. */
export function linearRegression(xs: readonly number[], ys: readonly number[]): Regression {
  const [x, y] = finitePairs(xs, ys);
  const n = x.length;
  if (n < 3) throw new RangeError(`a regression needs at least 3 complete points, got ${n}`);
  const mx = meanOf(x);
  const my = meanOf(y);
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) ** 2;
  }
  if (sxx === 0) throw new RangeError('a regression needs x values that are not all equal');
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const residualSs = Math.max(0, syy - slope * sxy);
  const df = n - 2;
  const slopeStandardError = Math.sqrt(residualSs / df / sxx);
  const t = slopeStandardError > 0 ? slope / slopeStandardError : Infinity;
  const half = studentTQuantile(0.975, df) * slopeStandardError;
  return {
    n,
    slope,
    intercept,
    r2: syy > 0 ? (sxy * sxy) / (sxx * syy) : 1,
    pSlope: Number.isFinite(t) ? studentTTwoSided(t, df) : 0,
    slopeStandardError,
    slopeCi95: [slope - half, slope + half],
  };
}

export function meanOf(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

export function sdOf(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = meanOf(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1));
}

function finitePairs(a: readonly number[], b: readonly number[]): [number[], number[]] {
  if (a.length !== b.length) throw new RangeError(`paired data need equal lengths, got ${a.length} and ${b.length}`);
  const x: number[] = [];
  const y: number[] = [];
  a.forEach((v, i) => {
    if (Number.isFinite(v) && Number.isFinite(b[i])) {
      x.push(v);
      y.push(b[i]);
    }
  });
  return [x, y];
}
