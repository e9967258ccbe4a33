import * as ort from 'onnxruntime-web';
import type { Ort } from './onnxRuntime.ts';

/**
 * onnxruntime-web under Node (CLI, unit tests, benchmarks): the package's `node` export condition picks
 * its Node build, which loads the same wasm binary from the package folder. Pages and workers use
 * src/workers/ortWeb.ts instead.
 */
export function nodeOrt(options: { threads?: number } = {}): Ort {
  if (options.threads !== undefined) ort.env.wasm.numThreads = options.threads;
  return ort as unknown as Ort;
}
