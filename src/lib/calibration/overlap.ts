/**
 * Long runs of token ids two texts share: the check that no evaluation text leaked into a calibration
 * set. Each n-gram is hashed to 53 bits (two 32-bit multiplicative hashes): against a reference of a
 * few hundred thousand n-grams, a looked-up n-gram matches by accident with odds of about 1 in 10¹⁰.
 */
export function ngramHashes(ids: Int32Array, n: number): Set<number> {
  const out = new Set<number>();
  for (let start = 0; start + n <= ids.length; start++) out.add(ngramHash(ids, start, n));
  return out;
}

function ngramHash(ids: Int32Array, start: number, n: number): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ n;
  for (let t = start; t < start + n; t++) {
    a = Math.imul(a ^ ids[t], 0x01000193) >>> 0;
    b = Math.imul(b ^ (ids[t] + 0x9e3779b9), 0x5bd1e995) >>> 0;
  }
  return a * 2 ** 21 + (b >>> 11);
}

/** Windows that contain at least one n-gram of `reference`, by index. */
export function windowsSharingNgrams(windows: readonly Int32Array[], reference: Set<number>, n: number): number[] {
  return windows.flatMap((window, index) => {
    for (let start = 0; start + n <= window.length; start++) if (reference.has(ngramHash(window, start, n))) return [index];
    return [];
  });
}
