import { InputError } from '../errors.ts';
import { gunzip } from './gzip.ts';
import { parseIdx, type IdxArray } from './idx.ts';
import { checkImageSet, type ImageSet } from './imageSet.ts';

/**
 * The shipped MNIST test set (public/datasets/mnist/, see its SOURCE.md): 10 000 digits of 28×28.
 * `loadMnist` takes a reader so the same code serves fetch (pages, workers) and the file system (Node).
 */
export const MNIST_FILES = {
  images: 't10k-images-idx3-ubyte.gz',
  labels: 't10k-labels-idx1-ubyte.gz',
} as const;

export const MNIST_CLASSES = 10;

export type ReadBytes = (fileName: string) => Promise<Uint8Array>;

export async function loadMnist(read: ReadBytes): Promise<ImageSet> {
  const [imageBytes, labelBytes] = await Promise.all([read(MNIST_FILES.images), read(MNIST_FILES.labels)]);
  const images = parseIdx(await gunzip(imageBytes, MNIST_FILES.images), MNIST_FILES.images);
  const labels = parseIdx(await gunzip(labelBytes, MNIST_FILES.labels), MNIST_FILES.labels);
  return imageSetFromIdx(images, labels);
}

/** Pairs an image file ([count, rows, cols]) with a label file ([count]); pixels scaled to [0, 1]. */
export function imageSetFromIdx(images: IdxArray, labels: IdxArray, classes = MNIST_CLASSES): ImageSet {
  if (images.dims.length !== 3) throw new InputError('the image file is not a stack of images', `expected 3 dimensions [count, rows, cols], got [${images.dims.join(', ')}]`);
  if (labels.dims.length !== 1) throw new InputError('the label file is not a list of labels', `expected 1 dimension [count], got [${labels.dims.join(', ')}]`);
  const [count, height, width] = images.dims;
  if (labels.dims[0] !== count) throw new InputError(`the label file has ${labels.dims[0]} labels for ${count} images`);
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i] / 255;
  const set: ImageSet = { pixels, labels: labels.data.slice(), count, height, width, classes };
  checkImageSet(set, 'MNIST');
  return set;
}

/** Reads the files from a folder URL (the page passes `new URL('datasets/mnist/', document.baseURI)`). */
export function fetchReader(folderUrl: string): ReadBytes {
  return async (fileName) => {
    const url = new URL(fileName, folderUrl.endsWith('/') ? folderUrl : `${folderUrl}/`);
    const response = await fetch(url);
    if (!response.ok) throw new InputError(`could not load ${fileName}`, `${url} answered ${response.status} ${response.statusText}`);
    return new Uint8Array(await response.arrayBuffer());
  };
}
