/**
 * `npm run bench:nmf`: batched NMF (k = 1…8 × 20 restarts × fixed iterations), WGSL kernels vs the CPU
 * path, side by side in headless Chromium on scaled-down matrices (WebGPU here is SwiftShader, ~0.2
 * GFLOP/s: the 8 × 100 000 and 14 × 1 000 000 at 500 iterations would take hours there).
 * `--full` adds the sizes on the CPU path in Node, timed over a few iterations of one restart
 * per k and scaled to 20 restarts × 500 iterations (projected, and labelled so).
 * Flags: --sizes 8x1000,14x2000  --iterations 50  --kmax 8  --restarts 20  --full
 */
import { runBrowserBench } from './harness/browser.ts';
import { formatTable, writeResults } from './harness/report.ts';
import { nmfFlops, type NmfBenchSize, type NmfTiming } from './nmfFlops.ts';
import { nmfCpu } from '../src/lib/synergy/nmfCpu.ts';
import { Rng } from '../src/lib/util/random.ts';
import type { AdapterSummary } from '../src/lib/backend.ts';

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}
const parseSizes = (text: string): NmfBenchSize[] => text.split(',').map((s) => s.split('x').map(Number)).map(([m, n]) => ({ m, n }));
const sizes = parseSizes(flag('sizes', '8x1000,14x2000'));
const iterations = Number(flag('iterations', '50'));
const kMax = Number(flag('kmax', '8'));
const restarts = Number(flag('restarts', '20'));

const { adapter, timings } = await runBrowserBench<{ adapter: AdapterSummary; timings: NmfTiming[] }>('nmf', { sizes, kMax, restarts, iterations });
const rows = sizes.map(({ m, n }) => {
  const of = (impl: string) => timings.find((t) => t.size === `${m} × ${n}` && t.impl === impl)!;
  const [gpu, cpu] = [of('wgsl'), of('cpu path')];
  return {
    size: `${m} × ${n}`,
    work: `k=1…${kMax} × ${restarts} × ${iterations} it`,
    'wgsl s': gpu.seconds,
    'wgsl GFLOP/s': gpu.gflops,
    'cpu path s': cpu.seconds,
    'cpu path GFLOP/s': cpu.gflops,
    'wgsl / cpu speed': cpu.seconds / gpu.seconds,
  };
});
console.log(`\nBatched NMF, f32, in Chromium — WebGPU adapter: ${adapter.vendor} ${adapter.architecture} ${adapter.description} (fallback: ${adapter.isFallback}); CPU path in the same page`);
console.log(formatTable(rows));

const projected: Record<string, string | number>[] = [];
if (process.argv.includes('--full')) {
  const fullIterations = 500;
  for (const { m, n } of parseSizes(flag('full-sizes', '8x100000,14x1000000'))) {
    const rng = new Rng(2);
    const e = new Float32Array(m * n).map(() => rng.next());
    const measured = 3;
    const started = performance.now();
    await nmfCpu({ e, m, n }, { kMax, restarts: 1, maxIterations: measured, tolerance: 0, checkEvery: 25, seed: 1 });
    const seconds = (performance.now() - started) / 1000;
    const flops = nmfFlops(m, n, kMax, 1, measured);
    const scale = (restarts * fullIterations) / measured;
    projected.push({
      size: `${m} × ${n}`,
      measured: `k=1…${kMax} × 1 restart × ${measured} it`,
      'measured s': seconds,
      'cpu path GFLOP/s': flops / seconds / 1e9,
      [`projected s (× ${restarts} restarts × ${fullIterations} it)`]: seconds * scale,
    });
  }
  console.log('\nIssue sizes on the CPU path (Node), measured briefly and PROJECTED to the full work — not run to the end:');
  console.log(formatTable(projected));
}
console.log(`\nresults: ${writeResults('nmf', { adapter, sizes, kMax, restarts, iterations, rows, timings, projected })}`);
