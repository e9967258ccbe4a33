import type { SessionResult } from '../../lib/synergy/study.ts';

/** Group means and SDs across participants for the charts (formatting-level work only). */
export const CONDITION_COLOURS = ['#4e79a7', '#e15759'] as const;

export function meanSd(rows: ArrayLike<number>[]): { mean: Float64Array; sd: Float64Array } {
  const length = rows[0]?.length ?? 0;
  const mean = new Float64Array(length);
  const sd = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const values = rows.map((r) => r[i]);
    const mu = values.reduce((a, b) => a + b, 0) / values.length;
    mean[i] = mu;
    sd[i] = values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mu) ** 2, 0) / (values.length - 1)) : 0;
  }
  return { mean, sd };
}

export function ofCondition(sessions: SessionResult[], condition: 0 | 1): SessionResult[] {
  return [...sessions.filter((s) => s.condition === condition)].sort((a, b) => a.participant - b.participant);
}

/** Column r of W [m, k]. */
export function column(w: ArrayLike<number>, r: number, k: number, m: number): number[] {
  return Array.from({ length: m }, (_, i) => w[i * k + r]);
}

/** Row r of a [k, points] matrix. */
export function row(values: Float32Array, r: number, points: number): Float32Array {
  return values.subarray(r * points, (r + 1) * points);
}
