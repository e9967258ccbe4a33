import { InputError } from '../errors.ts';
import type { Rng } from '../util/random.ts';

/**
 * Random windows of a token stream, as SparseGPT and Wanda draw calibration data: each window starts
 * at a uniformly random offset, so windows may overlap; every window lies wholly inside the stream.
 */
export interface CutWindows {
  windows: Int32Array[];
  /** Offset of each window in the stream. */
  starts: number[];
}

export function cutWindows(stream: Int32Array, shape: { nsamples: number; seqlen: number }, rng: Rng, what = 'the text'): CutWindows {
  const { nsamples, seqlen } = shape;
  if (stream.length < seqlen) {
    throw new InputError(`${what} has ${stream.length} tokens, fewer than one window of ${seqlen}`, 'use shorter windows or more text');
  }
  const starts = Array.from({ length: nsamples }, () => rng.int(stream.length - seqlen + 1));
  return { windows: starts.map((start) => stream.slice(start, start + seqlen)), starts };
}
