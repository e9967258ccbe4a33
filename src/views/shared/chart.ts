/** Data shapes of the shared d3 charts. */
export interface Point {
  x: number;
  y: number;
  /** Optional error bar half-width (± around y). */
  err?: number;
}

export interface Series {
  name: string;
  points: Point[];
  /** Draw dots only (no line), e.g. for scatter or dot-and-error-bar charts. */
  dotsOnly?: boolean;
  /** A dashed line without dots: a reference value, not data. */
  dashed?: boolean;
}

/** Points a log axis cannot show are dropped rather than drawn at -∞. */
export function plottable(points: Point[], xLog: boolean, yLog: boolean): Point[] {
  return points.filter(
    (p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!xLog || p.x > 0) && (!yLog || p.y > 0),
  );
}

/** The point of `points` nearest to `x` (for the hover read-out). */
export function nearestByX(points: Point[], x: number): Point | undefined {
  let best: Point | undefined;
  for (const p of points) if (!best || Math.abs(p.x - x) < Math.abs(best.x - x)) best = p;
  return best;
}
