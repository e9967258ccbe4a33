import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
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

export { tf };
