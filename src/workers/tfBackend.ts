import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { adapterLabel, type BackendChoice } from '../lib/backend.ts';
import { openBackend } from './backend.ts';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/**
 * TensorFlow.js in a page or worker: 'webgpu' on the GPU path, 'wasm' (XNNPACK, SIMD, threads when
 * cross-origin isolated) as the CPU path. The wasm binaries are served by Vite from the package, so the
 * app never fetches them from a CDN. Returns the backend actually active (tfjs falls back on failure).
 */
export type TfBackendName = 'webgpu' | 'wasm' | 'cpu';

let wasmStarted = false;

/**
 * XNNPACK threads for tfjs-wasm's threaded build. tfjs sizes its pool at navigator.hardwareConcurrency / 2
 * (it assumes two hyperthreads per core), capped at 8 and read once as the module starts: on a two-core
 * machine that is one thread, the threaded build with no parallelism. We ask for half the logical cores but
 * at least 2 where there are 2; `override` (a benchmark's) sets the count.
 */
export function wasmThreadsWanted(override?: number): number {
  const logical = navigator.hardwareConcurrency || 1;
  return Math.max(1, Math.min(8, logical, override ?? Math.max(2, Math.floor(logical / 2))));
}

/**
 * tfjs caps the count given to setThreadsCount at hardwareConcurrency / 2, read by the wasm module's start-up
 * code; while it starts, the worker's navigator reports twice the wanted count (then the real one again).
 */
async function startWasm(threads: number): Promise<boolean> {
  if (!globalThis.crossOriginIsolated) return tf.setBackend('wasm');
  setThreadsCount(threads);
  Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  try {
    return await tf.setBackend('wasm');
  } finally {
    delete (navigator as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

export async function useTfBackend(name: TfBackendName, options: { wasmThreads?: number } = {}): Promise<string> {
  if (name === 'wasm' && !wasmStarted) {
    setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmUrl,
      'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
    });
    wasmStarted = true;
    if (!(await startWasm(wasmThreadsWanted(options.wasmThreads)))) throw new Error('TensorFlow.js could not start its wasm backend');
  }
  if (tf.getBackend() !== name) {
    const ok = await tf.setBackend(name);
    if (!ok) throw new Error(`TensorFlow.js could not start its ${name} backend`);
  }
  await tf.ready();
  return tf.getBackend();
}

/** What a tfjs worker runs on, for the page's badge. */
export interface TfBackendInfo {
  /** The tfjs backend that runs: 'webgpu' or 'wasm'. */
  tfBackend: string;
  choice: BackendChoice;
  /** Human-readable: "tfjs wasm · SIMD · threads" or "tfjs webgpu · NVIDIA …". */
  label: string;
}

let started: Promise<TfBackendInfo> | undefined;

/**
 * Starts tfjs once per worker on the backend backend.ts chooses (`?backend=` forces one): webgpu on a
 * hardware GPU, wasm otherwise. Later calls get the same answer, whatever their override.
 */
export function startTfBackend(override?: string | null): Promise<TfBackendInfo> {
  started ??= (async () => {
    const { choice, gpu } = await openBackend(override);
    gpu?.destroy(); // tfjs opens its own device
    const tfBackend = await useTfBackend(choice.backend === 'webgpu' ? 'webgpu' : 'wasm');
    return { tfBackend, choice, label: describeTfBackend(tfBackend, choice) };
  })();
  return started;
}

function describeTfBackend(tfBackend: string, choice: BackendChoice): string {
  if (tfBackend === 'webgpu') return `tfjs webgpu · ${choice.adapter ? adapterLabel(choice.adapter) : 'GPU'}`;
  return describeTfWasm();
}

/**
 * Which tfjs-wasm build runs, once the wasm backend is ready: "tfjs wasm · SIMD · threads (2)" in a
 * cross-origin-isolated page (the threaded SIMD binary, XNNPACK's pool size in brackets), "… · single
 * thread" elsewhere.
 */
export function describeTfWasm(): string {
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? `threads (${getThreadsCount()})` : 'single thread';
  return `tfjs wasm · ${simd} · ${threads}`;
}

export { tf };
