import { studentTTwoSided } from '../synergy/distributions.ts';

export interface MeanSd {
  mean: number;
  /** Sample standard deviation (n − 1); 0 for a single value. */
  sd: number;
  n: number;
}

export function meanSd(values: readonly number[]): MeanSd {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, sd: Number.NaN, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}

export interface Correlation {
  r: number;
  /** Two-sided p-value of H0: r = 0 (t = r√(n−2)/√(1−r²), n − 2 degrees of freedom). */
  p: number;
  n: number;
}

/** Pearson's correlation with its t-test p-value; NaN when n < 3 or a side is constant. */
export function pearson(xs: ArrayLike<number>, ys: ArrayLike<number>): Correlation {
  const n = xs.length;
  if (ys.length !== n) throw new RangeError(`pearson needs equal lengths, got ${n} and ${ys.length}`);
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i];
    my += ys[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  if (n < 3 || sxx === 0 || syy === 0) return { r: Number.NaN, p: Number.NaN, n };
  const r = Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
  const df = n - 2;
  const p = Math.abs(r) === 1 ? 0 : studentTTwoSided((r * Math.sqrt(df)) / Math.sqrt(1 - r * r), df);
  return { r, p, n };
}
