import { loadMnist, fetchReader } from '../src/lib/train/mnist.ts';
import { tf, useTfBackend } from '../src/workers/tfBackend.ts';
import { TRAIN_WORKLOADS, timeTraining, type TrainTiming } from './train-workload.ts';

/** Training steps/s in Chromium: tfjs-wasm, then tfjs-webgpu on whatever adapter the page gets. */
export async function run(args: Record<string, unknown>, log: (line: string) => void) {
  const budgetMs = Number(args.budgetMs ?? 5000);
  const digits = await loadMnist(fetchReader(new URL('/datasets/mnist/', location.href).href));
  const timings: TrainTiming[] = [];
  const threads = { crossOriginIsolated: globalThis.crossOriginIsolated, wasmThreads: false };
  for (const backend of ['wasm', 'webgpu'] as const) {
    await useTfBackend(backend);
    if (backend === 'wasm') threads.wasmThreads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
    for (const workload of TRAIN_WORKLOADS) {
      const timing = await timeTraining(workload, digits, budgetMs);
      timings.push({ ...timing, backend: `chromium-${backend}` });
      log(`${workload.label} chromium-${backend}: ${timing.stepsPerSecond.toFixed(1)} steps/s (${timing.steps} steps)`);
    }
  }
  const adapter = await navigator.gpu?.requestAdapter();
  const info = adapter?.info;
  return { timings, threads, adapter: info ? `${info.vendor} ${info.architecture} ${info.description}`.trim() : 'none' };
}
