import type { Point } from '../shared/chart.ts';

/**
 * Shrinks a long, noisy series (a loss per step) to at most `maxPoints` points, each the mean of a
 * bucket of consecutive points: the chart stays fast and the trend readable.
 */
export function bucketMeans(points: readonly Point[], maxPoints: number): Point[] {
  if (points.length <= maxPoints) return points.slice();
  const size = Math.ceil(points.length / maxPoints);
  const result: Point[] = [];
  for (let start = 0; start < points.length; start += size) {
    const bucket = points.slice(start, start + size);
    result.push({
      x: bucket.reduce((sum, p) => sum + p.x, 0) / bucket.length,
      y: bucket.reduce((sum, p) => sum + p.y, 0) / bucket.length,
    });
  }
  return result;
}
