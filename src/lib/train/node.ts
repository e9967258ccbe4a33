import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadMnist } from './mnist.ts';
import type { ImageSet } from './imageSet.ts';

/**
 * Node only (CLI, unit tests, study and benchmark scripts): tfjs' wasm backend, which Node loads from
 * the package's own folder, and the shipped MNIST files read from public/datasets/mnist/.
 */
export const MNIST_FOLDER = fileURLToPath(new URL('../../../public/datasets/mnist/', import.meta.url));

export async function useNodeWasmBackend(): Promise<string> {
  if (tf.getBackend() !== 'wasm') {
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('TensorFlow.js could not start its wasm backend in Node');
  }
  await tf.ready();
  return tf.getBackend();
}

let mnist: Promise<ImageSet> | undefined;

/** The shipped MNIST test set, read once per process. */
export function loadShippedMnist(): Promise<ImageSet> {
  mnist ??= loadMnist(async (fileName) => new Uint8Array(await readFile(`${MNIST_FOLDER}${fileName}`)));
  return mnist;
}
