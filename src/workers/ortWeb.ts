import * as ort from 'onnxruntime-web/wasm';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import type { Ort } from '../lib/export/onnxRuntime.ts';

/**
 * onnxruntime-web's wasm backend in a page or worker. Its binary is served by Vite from the package
 * (a `?url` import), never from a CDN; the site's CSP allows compiling it ('wasm-unsafe-eval'). Threads
 * are used when the page is cross-origin isolated (ORT decides; at most 4).
 */
let configured = false;

export function webOrt(): Ort {
  if (!configured) {
    ort.env.wasm.wasmPaths = { wasm: new URL(wasmUrl, self.location.href).href };
    configured = true;
  }
  return ort as unknown as Ort;
}
