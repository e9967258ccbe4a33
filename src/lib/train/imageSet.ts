import { InputError } from '../errors.ts';

/**
 * A labelled set of small grey images, as the training lab uses them: pixels scaled to [0, 1], one
 * row of `height·width` values per image.
 */
export interface ImageSet {
  /** [count, height·width], row-major, intensities in [0, 1]. */
  pixels: Float32Array;
  /** [count] class of each image, 0 … classes−1. */
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  classes: number;
}

export function pixelsPerImage(set: Pick<ImageSet, 'height' | 'width'>): number {
  return set.height * set.width;
}

/** The images at `indices`, copied, in that order. */
export function subsetImages(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const size = pixelsPerImage(set);
  const pixels = new Float32Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const source = indices[i];
    if (!(source >= 0 && source < set.count)) throw new RangeError(`subsetImages: index ${source} is outside 0…${set.count - 1}`);
    pixels.set(set.pixels.subarray(source * size, (source + 1) * size), i * size);
    labels[i] = set.labels[source];
  }
  return { ...set, pixels, labels, count: indices.length };
}

/** How many images each class has. */
export function classCounts(labels: ArrayLike<number>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}

/** One-hot rows [count, classes] of integer labels. */
export function oneHot(labels: ArrayLike<number>, classes: number): Float32Array {
  const rows = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!(label >= 0 && label < classes && Number.isInteger(label))) throw new RangeError(`oneHot: label ${label} at ${i} is not in 0…${classes - 1}`);
    rows[i * classes + label] = 1;
  }
  return rows;
}

/** Checks that an ImageSet's arrays agree with its declared sizes. */
export function checkImageSet(set: ImageSet, name = 'image set'): void {
  const size = pixelsPerImage(set);
  if (set.pixels.length !== set.count * size) {
    throw new InputError(`${name} has ${set.pixels.length} pixel values`, `expected ${set.count} × ${set.height} × ${set.width} = ${set.count * size}`);
  }
  if (set.labels.length !== set.count) throw new InputError(`${name} has ${set.labels.length} labels for ${set.count} images`);
  for (let i = 0; i < set.count; i++) {
    if (set.labels[i] >= set.classes) throw new InputError(`${name}: label ${set.labels[i]} of image ${i} is not a class`, `expected 0…${set.classes - 1}`);
  }
}
