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

/** Whether every value on an axis is a whole number (layer, k, window, epoch): such axes get integer ticks. */
export function isIntegerAxis(values: readonly number[]): boolean {
  return values.length > 0 && values.every((v) => Number.isInteger(v));
}

/**
 * Ticks at whole numbers only, about `count` of them across [lo, hi]: the step is a 1-2-5 multiple of a
 * power of ten, at least 1, so a short axis (k = 1…4) gets 1, 2, 3, 4 and never 1.5.
 */
export function integerTicks(lo: number, hi: number, count: number): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) throw new RangeError(`integerTicks: the domain must be finite, got [${lo}, ${hi}]`);
  if (!(count >= 1)) throw new RangeError(`integerTicks: count must be ≥ 1, got ${count}`);
  const [a, b] = lo <= hi ? [lo, hi] : [hi, lo];
  const span = b - a;
  let step = 1;
  if (span / count > 1) {
    const magnitude = 10 ** Math.floor(Math.log10(span / count));
    step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => span / s <= count) ?? 10 * magnitude;
    step = Math.max(1, Math.round(step));
  }
  const ticks: number[] = [];
  for (let t = Math.ceil(a / step) * step; t <= b + 1e-9; t += step) ticks.push(t);
  return ticks;
}

/** Room a left axis needs: its widest tick label, the tick (6 px) and padding (3 px), a gap and the rotated title's line. */
export function leftMarginFor(tickLabelWidths: readonly number[], hasTitle: boolean): number {
  const widest = Math.max(0, ...tickLabelWidths);
  return Math.ceil(widest + 9 + (hasTitle ? 6 + 14 : 4));
}

/**
 * `text` shortened with "…" until `measure` says it fits in `maxWidth` (a rotated y-axis title may not
 * run past the plot into the chart's title).
 */
export function fitText(text: string, maxWidth: number, measure: (s: string) => number): string {
  if (measure(text) <= maxWidth) return text;
  for (let n = text.length - 1; n > 0; n--) {
    const shorter = `${text.slice(0, n).trimEnd()}…`;
    if (measure(shorter) <= maxWidth) return shorter;
  }
  return '';
}

let measureContext: CanvasRenderingContext2D | null | undefined;
/** Width in px of `text` in the charts' tick font (d3 axes: 10px sans-serif); a rough estimate without a canvas. */
export function textWidth(text: string, font = '10px sans-serif'): number {
  if (measureContext === undefined) measureContext = typeof document === 'undefined' ? null : document.createElement('canvas').getContext('2d');
  if (!measureContext) return text.length * 6;
  measureContext.font = font;
  return measureContext.measureText(text).width;
}
