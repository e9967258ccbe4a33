import { Rng } from '../util/random.ts';

/** Train/test assignment of houses: `test[i]` is 1 for held-out houses. */
export type SplitKind = 'random' | 'spatial';

/** Random split: each house held out with probability `testFraction` (seeded). */
export function randomSplit(count: number, testFraction: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: count }, () => (rng.next() < testFraction ? 1 : 0));
}

/**
 * Spatial split: the map is cut into square grid blocks of `blockM` metres (equirectangular at the mean
 * latitude) and whole blocks are held out with probability `testFraction`, so test houses have few
 * training neighbours next door — a harder, more honest test of what a model learned about places.
 */
export function spatialSplit(lat: Float64Array, lon: Float64Array, options: { testFraction: number; seed: number; blockM: number }): Uint8Array {
  const rng = new Rng(options.seed);
  const meanLat = lat.reduce((a, b) => a + b, 0) / Math.max(1, lat.length);
  const metresPerDegLat = 111_195;
  const metresPerDegLon = metresPerDegLat * Math.cos((meanLat * Math.PI) / 180);
  const blockOf = new Map<string, number>();
  return Uint8Array.from({ length: lat.length }, (_, i) => {
    const key = `${Math.floor((lat[i] * metresPerDegLat) / options.blockM)},${Math.floor((lon[i] * metresPerDegLon) / options.blockM)}`;
    let held = blockOf.get(key);
    if (held === undefined) {
      held = rng.next() < options.testFraction ? 1 : 0;
      blockOf.set(key, held);
    }
    return held;
  });
}
