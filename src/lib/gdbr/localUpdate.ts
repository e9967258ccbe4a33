import type * as tf from '@tensorflow/tfjs';
import { batchGradients } from '../train/gradients.ts';
import { oneHot, pixelsPerImage, subsetImages, type ImageSet } from '../train/imageSet.ts';
import { softmaxCrossEntropy } from '../train/losses.ts';
import type { NamedTensor } from '../train/namedTensor.ts';
import { readWeights, writeWeights } from '../train/weights.ts';
import { MAX_LOCAL_STEPS } from './config.ts';

/**
 * The "local updating" defense: instead of one gradient at the global weights, the client trains
 * for E local SGD steps and shares only its model delta Δ = w_E − w_0 (as in FedAvg). The round's
 * B samples are split into M = min(E, maxMinibatches) minibatches of ⌈B/M⌉ (the last may be
 * smaller); step t uses minibatch t mod M, so with E = M every sample is used exactly once:
 *
 *   w_{t+1} = w_t − η ∇L(w_t; minibatch t mod M),      Δ = w_E − w_0 = −η Σ_t ∇L(w_t; ·).
 *
 * The server knows η and E (it sets them for the round), so it reads the update as the mean
 * gradient along the client's path, G = −Δ / (η E). With E = 1 (one minibatch, the whole batch)
 * G is exactly the single-batch gradient at w_0; with E > 1 every later step is taken at moved
 * weights, which is what blurs the label signal. The attacks receive G, defended as before.
 */
export interface LocalUpdateOptions {
  /** E ≥ 1 */
  steps: number;
  /** η: plain SGD. */
  learningRate: number;
  /** M = min(E, maxMinibatches) minibatches per round; 4 by default. */
  maxMinibatches?: number;
}

export const DEFAULT_MAX_MINIBATCHES = 4;

export interface LocalUpdate {
  /** Δ = w_E − w_0, by weight name. */
  delta: NamedTensor[];
  /** G = −Δ / (η E): what the server treats as the client's gradient. */
  pseudoGradient: NamedTensor[];
}

/** Index ranges [start, end) of the M minibatches of a batch of `size` in its given order. */
export function minibatchRanges(size: number, minibatches: number): [number, number][] {
  if (!(Number.isInteger(minibatches) && minibatches >= 1 && minibatches <= size)) throw new RangeError(`minibatchRanges: ${minibatches} minibatches of a batch of ${size}`);
  const length = Math.ceil(size / minibatches);
  const ranges: [number, number][] = [];
  for (let start = 0; start < size; start += length) ranges.push([start, Math.min(size, start + length)]);
  return ranges;
}

/**
 * Runs the client's E steps on `batch` from the model's current weights (w_0), returns the update,
 * and puts w_0 back, so the model is unchanged for the next trial.
 */
export async function localUpdate(model: tf.LayersModel, batch: ImageSet, options: LocalUpdateOptions): Promise<LocalUpdate> {
  const { steps, learningRate } = options;
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= MAX_LOCAL_STEPS)) throw new RangeError(`localUpdate: local steps must be a whole number in 1…${MAX_LOCAL_STEPS}, got ${steps}`);
  if (!(learningRate > 0)) throw new RangeError(`localUpdate: the learning rate must be > 0, got ${learningRate}`);
  const minibatches = Math.min(steps, options.maxMinibatches ?? DEFAULT_MAX_MINIBATCHES, batch.count);
  const ranges = minibatchRanges(batch.count, minibatches);
  const start = await readWeights(model);
  // Δ is summed in float64 from the steps (−η ∇ each), not read back as w_E − w_0 in float32, whose
  // cancellation would cost ~4 digits of the update.
  const sums = start.map((weight) => new Float64Array(weight.values.length));
  try {
    for (let t = 0; t < steps; t++) {
      const [from, to] = ranges[t % ranges.length];
      const minibatch = subsetImages(batch, Array.from({ length: to - from }, (_, i) => from + i));
      const gradients = await batchGradients(model, softmaxCrossEntropy, {
        inputs: minibatch.pixels,
        targets: oneHot(minibatch.labels, minibatch.classes),
        inputSize: pixelsPerImage(minibatch),
        targetSize: minibatch.classes,
      });
      const byName = new Map(gradients.map((gradient) => [gradient.name, gradient.values]));
      start.forEach((weight, w) => {
        const gradient = byName.get(weight.name);
        if (!gradient) throw new RangeError(`localUpdate: no gradient for ${weight.name}`);
        for (let i = 0; i < gradient.length; i++) sums[w][i] -= learningRate * gradient[i];
      });
      writeWeights(model, start.map((weight, w) => ({ ...weight, values: Float32Array.from(weight.values, (value, i) => value + sums[w][i]) })));
    }
  } finally {
    writeWeights(model, start);
  }
  const delta = start.map((weight, w) => ({ name: weight.name, shape: weight.shape.slice(), values: Float32Array.from(sums[w]) }));
  const scale = -1 / (learningRate * steps);
  const pseudoGradient = start.map((weight, w) => ({ name: weight.name, shape: weight.shape.slice(), values: Float32Array.from(sums[w], (value) => scale * value) }));
  return { delta, pseudoGradient };
}
