/**
 * Rates: a least-squares line log(risk) = a + b·log(n) over a geometric grid of n, the slope b with a
 * 95% confidence interval (Student t, k − 2 degrees of freedom), and a pointwise 95% band for the line.
 */
export interface RateFit {
  slope: number;
  intercept: number;
  slopeLow: number; // 95% confidence interval for the slope (NaN with fewer than 3 points)
  slopeHigh: number;
  band: { n: number; fit: number; low: number; high: number }[]; // fitted risk and its 95% band, in risk units
}

/** Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom; 1.96 beyond. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function tQuantile975(df: number): number {
  if (!(df >= 1)) return Number.NaN;
  return df <= 30 ? T975[Math.floor(df) - 1] : 1.96;
}

export function fitLogLog(ns: readonly number[], risks: readonly number[]): RateFit {
  if (ns.length !== risks.length || ns.length < 2) throw new RangeError('fitLogLog needs at least two (n, risk) pairs of equal length');
  const k = ns.length;
  const u = ns.map(Math.log);
  const v = risks.map((r) => Math.log(Math.max(r, Number.MIN_VALUE)));
  const uMean = u.reduce((s, x) => s + x, 0) / k;
  const vMean = v.reduce((s, x) => s + x, 0) / k;
  let suu = 0;
  let suv = 0;
  for (let i = 0; i < k; i++) {
    suu += (u[i] - uMean) ** 2;
    suv += (u[i] - uMean) * (v[i] - vMean);
  }
  const slope = suv / suu;
  const intercept = vMean - slope * uMean;
  const df = k - 2;
  let rss = 0;
  for (let i = 0; i < k; i++) rss += (v[i] - intercept - slope * u[i]) ** 2;
  const s2 = df > 0 ? rss / df : Number.NaN;
  const t = tQuantile975(df);
  const slopeHalf = t * Math.sqrt(s2 / suu);
  const band = ns.map((n, i) => {
    const fit = intercept + slope * u[i];
    const half = t * Math.sqrt(s2 * (1 / k + (u[i] - uMean) ** 2 / suu));
    return { n, fit: Math.exp(fit), low: Math.exp(fit - half), high: Math.exp(fit + half) };
  });
  return { slope, intercept, slopeLow: slope - slopeHalf, slopeHigh: slope + slopeHalf, band };
}
