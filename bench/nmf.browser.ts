import { adapterLabel } from '../src/lib/backend.ts';
import { nmfKernelModule } from '../src/lib/synergy/nmfSimd.ts';
import { createGpuContext } from '../src/kernels/gpu.ts';
import { nmfGpu } from '../src/kernels/synergy/nmf.ts';
import { CPU_IMPLEMENTATIONS, benchData, fixedWorkSettings, timeRun, type CpuImplementation, type NmfBenchSize, type NmfTiming, type NmfWork } from './nmfFlops.ts';

/**
 * Batched NMF at scaled sizes in one page, on the same data: the WGSL kernels (dispatches prepared and
 * overlapped, and one at a time as before), the CPU path (SIMD, and the scalar loop it replaced) and
 * the naive reference (on `referenceRestarts` restarts: it is slow). A small warm-up run of each
 * compiles the pipelines and lets the JIT and wasm tier-up settle first.
 */
export async function run(args: Record<string, unknown>, log: (line: string) => void) {
  const { sizes, work, referenceRestarts } = args as { sizes: NmfBenchSize[]; work: NmfWork; referenceRestarts: number };
  const gpu = await createGpuContext(navigator.gpu);
  if (!gpu) throw new Error('no WebGPU adapter');
  log(`adapter: ${adapterLabel(gpu.adapter)} (fallback ${gpu.adapter.isFallback}); wasm SIMD: ${(await nmfKernelModule()) !== null}`);
  await nmfGpu(gpu, benchData({ m: 8, n: 64 }), fixedWorkSettings({ ...work, iterations: 2 }));
  for (const impl of Object.keys(CPU_IMPLEMENTATIONS) as CpuImplementation[]) await CPU_IMPLEMENTATIONS[impl](benchData({ m: 8, n: 2000 }), { kMax: 3, restarts: 2, iterations: 20 });
  const timings: NmfTiming[] = [];
  for (const size of sizes) {
    const data = benchData(size);
    const runs: [string, NmfWork, () => Promise<unknown>][] = [
      ['wgsl (after)', work, () => nmfGpu(gpu, data, fixedWorkSettings(work))],
      ['wgsl (before)', work, () => nmfGpu(gpu, data, fixedWorkSettings(work), {}, { unbatchedDispatch: true })],
      ...(['cpu simd (after)', 'cpu scalar (before)'] as CpuImplementation[]).map((impl): [string, NmfWork, () => Promise<unknown>] => [impl, work, () => CPU_IMPLEMENTATIONS[impl](data, work)]),
      ['naive reference', { ...work, restarts: referenceRestarts }, () => CPU_IMPLEMENTATIONS['naive reference'](data, { ...work, restarts: referenceRestarts })],
    ];
    for (const [impl, measured, solve] of runs) {
      const timing = await timeRun(size, impl, measured, solve);
      timings.push(timing);
      log(`${timing.size} ${impl} (${timing.work}): ${timing.seconds.toFixed(2)} s, ${timing.gflops.toFixed(3)} GFLOP/s`);
    }
  }
  return { adapter: gpu.adapter, timings };
}
