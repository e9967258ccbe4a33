import { adapterLabel } from '../src/lib/backend.ts';
import type { NmfSettings } from '../src/lib/synergy/nmf.ts';
import { nmfCpu } from '../src/lib/synergy/nmfCpu.ts';
import { Rng } from '../src/lib/util/random.ts';
import { createGpuContext } from '../src/kernels/gpu.ts';
import { nmfGpu } from '../src/kernels/synergy/nmf.ts';
import { nmfFlops, type NmfBenchSize, type NmfTiming } from './nmfFlops.ts';

/**
 * Batched NMF (k = 1…kMax × restarts × fixed iterations) on the WGSL kernels and on the CPU path,
 * in one page on the same data. Each timing is one full run after a small warm-up run that compiles
 * the pipelines.
 */
export async function run(args: Record<string, unknown>, log: (line: string) => void) {
  const { sizes, kMax, restarts, iterations } = args as { sizes: NmfBenchSize[]; kMax: number; restarts: number; iterations: number };
  const gpu = await createGpuContext(navigator.gpu);
  if (!gpu) throw new Error('no WebGPU adapter');
  log(`adapter: ${adapterLabel(gpu.adapter)} (fallback ${gpu.adapter.isFallback})`);
  const timings: NmfTiming[] = [];
  for (const size of sizes) {
    const rng = new Rng(1);
    const e = new Float32Array(size.m * size.n).map(() => rng.next());
    const data = { e, m: size.m, n: size.n };
    const settings: NmfSettings = { kMax, restarts, maxIterations: iterations, tolerance: 0, checkEvery: 25, seed: 1 };
    await nmfGpu(gpu, { e: e.subarray(0, size.m * 64), m: size.m, n: 64 }, { ...settings, maxIterations: 2 });
    const flops = nmfFlops(size.m, size.n, kMax, restarts, iterations);
    for (const [impl, solve] of [['wgsl', () => nmfGpu(gpu, data, settings)], ['cpu path', () => nmfCpu(data, settings)]] as const) {
      const started = performance.now();
      await solve();
      const seconds = (performance.now() - started) / 1000;
      timings.push({ size: `${size.m} × ${size.n}`, impl, seconds, gflops: flops / seconds / 1e9 });
      log(`${size.m}×${size.n} ${impl}: ${seconds.toFixed(2)} s, ${(flops / seconds / 1e9).toFixed(3)} GFLOP/s`);
    }
  }
  return { adapter: gpu.adapter, timings };
}
