/**
 * One user seed feeds several independent random streams (which prompts, each sequence's sampling,
 * where windows start). Each stream's seed is a hash of the seed and the stream's name, so adding a
 * stream or drawing more from one never shifts another.
 */
export function streamSeed(seed: number, ...path: (string | number)[]): number {
  // FNV-1a over the UTF-16 code units of "seed/part/part…", then a final avalanche (murmur3's fmix32).
  let h = 0x811c9dc5;
  for (const ch of [seed, ...path].join('/')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
