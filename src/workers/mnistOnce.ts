import type { ImageSet } from '../lib/train/imageSet.ts';
import { fetchReader, loadMnist } from '../lib/train/mnist.ts';

let mnist: Promise<ImageSet> | undefined;

/** MNIST, fetched once per worker; a failed load is forgotten so that a later call retries. */
export function loadMnistOnce(datasetUrl: string): Promise<ImageSet> {
  mnist ??= loadMnist(fetchReader(datasetUrl)).catch((error: unknown) => {
    mnist = undefined;
    throw error;
  });
  return mnist;
}
