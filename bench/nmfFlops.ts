/** Shared by the NMF benchmark's Node and browser halves. */
export interface NmfBenchSize {
  m: number;
  n: number;
}

export interface NmfTiming {
  size: string;
  impl: string;
  seconds: number;
  gflops: number;
  note?: string;
}

/**
 * Floating-point operations of `iterations` Lee–Seung iterations for every k = 1…kMax × restarts on an
 * m × n matrix: per sample, Wᵀe (2mk), WᵀW·h (2k²), the update (2k), E·Hᵀ (2mk) and H·Hᵀ (2k²); the
 * O(mk²) per-iteration W work is negligible for n ≫ m.
 */
export function nmfFlops(m: number, n: number, kMax: number, restarts: number, iterations: number): number {
  let perIteration = 0;
  for (let k = 1; k <= kMax; k++) perIteration += n * (4 * m * k + 4 * k * k + 2 * k);
  return perIteration * restarts * iterations;
}
