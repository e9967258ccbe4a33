/**
 * Dense vs pruned speed from repeated, interleaved timings. One timing of each is noise on a shared
 * machine (the page once read 0.94×, 1.06× and 0.91× for three identical runs), so the worker times
 * dense, pruned, dense, pruned … (`interleavedOrder`: drift in the machine's load hits both alike) and
 * the page shows each side's median and range. When the two ranges overlap the timings cannot tell the
 * models apart, and the page says "no measurable difference" instead of a ratio.
 */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Number of timings. */
  n: number;
}

export interface SpeedComparison {
  /** Tokens per second of each timing. */
  dense: Spread;
  pruned: Spread;
  /** Pruned median / dense median (> 1: the pruned model is faster). */
  ratio: number;
  /** Lowest and highest ratio the ranges allow: pruned min / dense max, pruned max / dense min. */
  ratioMin: number;
  ratioMax: number;
  /** False when the dense and pruned ranges overlap: the timings do not show a difference. */
  measurable: boolean;
}

export type TimedModel = 'dense' | 'pruned';

/** The order of `repeats` timings of each model: dense, pruned, dense, pruned … */
export function interleavedOrder(repeats: number): TimedModel[] {
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new RangeError(`repeats must be an integer ≥ 1, got ${repeats}`);
  return Array.from({ length: 2 * repeats }, (_, i) => (i % 2 === 0 ? 'dense' : 'pruned'));
}

/** Median (mean of the middle two for an even count), min and max; NaN values are an error. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new RangeError('spread of no values');
  if (values.some((v) => Number.isNaN(v))) throw new RangeError('spread of NaN');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}

/** Compares tokens/s of the dense and pruned timings. */
export function compareSpeeds(denseTokensPerSecond: readonly number[], prunedTokensPerSecond: readonly number[]): SpeedComparison {
  const dense = spread(denseTokensPerSecond);
  const pruned = spread(prunedTokensPerSecond);
  const overlap = pruned.min <= dense.max && dense.min <= pruned.max;
  return {
    dense,
    pruned,
    ratio: pruned.median / dense.median,
    ratioMin: pruned.min / dense.max,
    ratioMax: pruned.max / dense.min,
    measurable: !overlap,
  };
}

/** One line for the page: "1.25× the dense tokens/s (1.10–1.40×)" or "no measurable difference". */
export function describeSpeed(speed: SpeedComparison): string {
  const range = (s: Spread) => `${s.median.toFixed(0)} tok/s (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
  const sides = `dense ${range(speed.dense)}, pruned ${range(speed.pruned)}, median and range of ${speed.dense.n} interleaved timings each`;
  if (!speed.measurable) return `no measurable difference in speed: ${sides}`;
  return `${speed.ratio.toFixed(2)}× the dense model's tokens/s (${speed.ratioMin.toFixed(2)}–${speed.ratioMax.toFixed(2)}×): ${sides}`;
}
