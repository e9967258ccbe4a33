/**
 * `npm run bench:train`: training steps per second of the lab's trainer, side by side in one run:
 * tfjs-wasm in Node, tfjs-wasm in Chromium (threads when cross-origin isolated), tfjs-webgpu in
 * Chromium (SwiftShader on machines without a GPU). `-- --quick` uses a 2 s budget per cell.
 */
import { loadShippedMnist, useNodeWasmBackend } from '../src/lib/train/node.ts';
import { runBrowserBench } from './harness/browser.ts';
import { formatTable, writeResults } from './harness/report.ts';
import { TRAIN_WORKLOADS, timeTraining, type TrainTiming } from './train-workload.ts';

const budgetMs = process.argv.includes('--quick') ? 2000 : 6000;

await useNodeWasmBackend();
const digits = await loadShippedMnist();
const nodeTimings: TrainTiming[] = [];
for (const workload of TRAIN_WORKLOADS) {
  const timing = await timeTraining(workload, digits, budgetMs);
  nodeTimings.push({ ...timing, backend: 'node-wasm' });
  process.stderr.write(`  ${workload.label} node-wasm: ${timing.stepsPerSecond.toFixed(1)} steps/s\n`);
}

const browser = await runBrowserBench<{ timings: TrainTiming[]; threads: { crossOriginIsolated: boolean; wasmThreads: boolean }; adapter: string }>('train', { budgetMs });
const timings = [...nodeTimings, ...browser.timings];

const rows = TRAIN_WORKLOADS.map(({ label }) => {
  const rate = (backend: string) => timings.find((t) => t.workload === label && t.backend === backend)?.stepsPerSecond ?? Number.NaN;
  const [nodeWasm, chromiumWasm, chromiumWebgpu] = [rate('node-wasm'), rate('chromium-wasm'), rate('chromium-webgpu')];
  return {
    workload: label,
    'node-wasm steps/s': nodeWasm,
    'chromium-wasm steps/s': chromiumWasm,
    'chromium-webgpu steps/s': chromiumWebgpu,
    'chromium-wasm / node-wasm': chromiumWasm / nodeWasm,
    'chromium-webgpu / chromium-wasm': chromiumWebgpu / chromiumWasm,
  };
});

console.log(`\nTraining steps/s (Adam, cross-entropy, loss read back every step; ${budgetMs / 1000} s per cell) — WebGPU adapter: ${browser.adapter}; Chromium wasm threads: ${browser.threads.wasmThreads} (cross-origin isolated: ${browser.threads.crossOriginIsolated})`);
console.log(formatTable(rows));
console.log(`\nresults: ${writeResults('train', { budgetMs, adapter: browser.adapter, threads: browser.threads, rows, timings })}`);
