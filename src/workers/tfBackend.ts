import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { adapterLabel, type BackendChoice } from '../lib/backend.ts';
import { openBackend } from './backend.ts';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/**
 * TensorFlow.js in a page or worker: 'webgpu' on the GPU path, 'wasm' (XNNPACK, SIMD, threads when
 * cross-origin isolated) as the CPU path. The wasm binaries are served by Vite from the package, so the
 * app never fetches them from a CDN. Returns the backend actually active (tfjs falls back on failure).
 */
export type TfBackendName = 'webgpu' | 'wasm' | 'cpu';

let wasmPathsSet = false;

export async function useTfBackend(name: TfBackendName): Promise<string> {
  if (name === 'wasm' && !wasmPathsSet) {
    setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmUrl,
      'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
    });
    wasmPathsSet = true;
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
