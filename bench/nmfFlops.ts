import { initialFactors, mean, nmfReference, type NmfData, type NmfSettings } from '../src/lib/synergy/nmf.ts';
import { nmfCpu, nmfCpuScalar } from '../src/lib/synergy/nmfCpu.ts';
import { Rng } from '../src/lib/util/random.ts';

/** Shared by the NMF benchmark's Node and browser halves. */
export interface NmfBenchSize {
  m: number;
  n: number;
}

/** What one timing ran: every k = 1…kMax × `restarts` × `iterations` (fixed: tolerance 0). */
export interface NmfWork {
  kMax: number;
  restarts: number;
  iterations: number;
}

export interface NmfTiming {
  size: string;
  impl: string;
  work: string;
  seconds: number;
  gflops: number;
}

/**
 * Floating-point operations of `iterations` Lee–Seung iterations for every k = 1…kMax × restarts on an
 * m × n matrix: per sample, Wᵀe (2mk), WᵀW·h (2k²), the update (2k), E·Hᵀ (2mk) and H·Hᵀ (2k²); the
 * O(mk²) per-iteration W work is negligible for n ≫ m. The same count for every implementation (the
 * SIMD kernel, say, sums only H·Hᵀ's lower triangle): GFLOP/s compare speed, not executed instructions.
 */
export function nmfFlops(m: number, n: number, work: NmfWork): number {
  let perIteration = 0;
  for (let k = 1; k <= work.kMax; k++) perIteration += n * (4 * m * k + 4 * k * k + 2 * k);
  return perIteration * work.restarts * work.iterations;
}

export const NMF_FLOP_FORMULA = 'FLOP = iterations × restarts × Σ_{k=1..kMax} n·(4mk + 4k² + 2k)';

export function describeWork(work: NmfWork): string {
  return `k=1…${work.kMax} × ${work.restarts} × ${work.iterations} it`;
}

/** Seeded uniform data: the speed of a fixed number of iterations does not depend on its structure. */
export function benchData({ m, n }: NmfBenchSize, seed = 1): NmfData {
  const rng = new Rng(seed);
  return { e: new Float32Array(m * n).map(() => rng.next()), m, n };
}

export function fixedWorkSettings(work: NmfWork): NmfSettings {
  return { kMax: work.kMax, restarts: work.restarts, maxIterations: work.iterations, tolerance: 0, checkEvery: 25, seed: 1 };
}

/** The CPU implementations, before and after, and the naive reference (one problem at a time). */
export const CPU_IMPLEMENTATIONS = {
  'naive reference': async (data: NmfData, work: NmfWork) => {
    const meanE = mean(data.e);
    for (let k = 1; k <= work.kMax; k++) {
      for (let restart = 0; restart < work.restarts; restart++) {
        nmfReference(data, k, initialFactors(data, { k, restart }, 1, meanE), { maxIterations: work.iterations, tolerance: 0, checkEvery: 25 });
      }
    }
  },
  'cpu scalar (before)': (data: NmfData, work: NmfWork) => nmfCpuScalar(data, fixedWorkSettings(work)),
  'cpu simd (after)': (data: NmfData, work: NmfWork) => nmfCpu(data, fixedWorkSettings(work)),
} as const;

export type CpuImplementation = keyof typeof CPU_IMPLEMENTATIONS;

export async function timeRun(size: NmfBenchSize, impl: string, work: NmfWork, run: () => Promise<unknown>): Promise<NmfTiming> {
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  return { size: `${size.m} × ${size.n}`, impl, work: describeWork(work), seconds, gflops: nmfFlops(size.m, size.n, work) / seconds / 1e9 };
}
