import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { Tf } from './tfLinear.ts';

/**
 * tfjs-wasm under Node (CLI, unit tests, benchmarks): the package finds its .wasm next to itself.
 * Pages and workers use src/workers/tfBackend.ts instead, which serves the binaries through Vite.
 */
let ready: Promise<Tf> | undefined;

export function nodeTf(): Promise<Tf> {
  ready ??= (async () => {
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs could not start its wasm backend');
    await tf.ready();
    return tf as unknown as Tf;
  })();
  return ready;
}
