import type * as TfCore from '@tensorflow/tfjs';
import { Rng } from '../util/random.ts';
import type { Tf } from './decoders.ts';

/**
 * The image encoder that gives each stimulus its feature vector z (TGBD uses CLIP ViT-L/14 image
 * features; a browser lab cannot ship CLIP, so z comes from a small autoencoder trained here):
 *   z = W₂ᵀ ReLU(W₁ᵀ x + b₁) + b₂          x ∈ [0, 1]^{784} → z ∈ ℝ^d
 *   x̂ = sigmoid(W₄ᵀ ReLU(W₃ᵀ z + b₃) + b₄), trained by Adam on the mean squared error ‖x̂ − x‖².
 * Seeded initialisation and batches; the features of a whole image set are cached per process/worker
 * (key: the options and the image set's size), so a page or CLI run trains it once.
 */
export interface EncoderOptions {
  featureDim: number;
  hidden: number;
  steps: number;
  batch: number;
  learningRate: number;
  /** How many images (the last ones of the set, never used as stimuli) train the autoencoder. */
  trainImages: number;
  seed: number;
}

export const ENCODER_DEFAULTS: EncoderOptions = { featureDim: 32, hidden: 64, steps: 200, batch: 64, learningRate: 2e-3, trainImages: 2000, seed: 0 };

export interface ImageRows {
  pixels: Float32Array; // [count, pixelsPerImage]
  count: number;
  width: number;
  height: number;
}

export interface EncodedImages {
  /** [count, featureDim] for every image of the set. */
  features: Float32Array;
  featureDim: number;
  /** Reconstruction MSE per pixel on the training images, first and last step. */
  lossStart: number;
  lossEnd: number;
  seconds: number;
}

const cache = new Map<string, Promise<EncodedImages>>();

/** Features of every image in `images`; trains the autoencoder on the first call for these options. */
export function encodeImagesCached(tf: Tf, images: ImageRows, options: EncoderOptions = ENCODER_DEFAULTS, onStep?: (done: number) => void): Promise<EncodedImages> {
  const key = JSON.stringify({ ...options, count: images.count, width: images.width, height: images.height });
  let entry = cache.get(key);
  if (!entry) {
    entry = trainAndEncode(tf, images, options, onStep).catch((error: unknown) => {
      cache.delete(key);
      throw error;
    });
    cache.set(key, entry);
  }
  return entry;
}

function weight(tf: Tf, rng: Rng, rows: number, cols: number): TfCore.Variable {
  const initial = tf.tensor2d(rng.fillNormal(new Float32Array(rows * cols), Math.sqrt(2 / (rows + cols))), [rows, cols]);
  const variable = tf.variable(initial);
  initial.dispose();
  return variable;
}

export async function trainAndEncode(tf: Tf, images: ImageRows, options: EncoderOptions, onStep?: (done: number) => void): Promise<EncodedImages> {
  const started = performance.now();
  const p = images.width * images.height;
  const { featureDim: d, hidden } = options;
  const trainCount = Math.min(options.trainImages, images.count);
  const firstTrain = images.count - trainCount;
  const rng = new Rng(0xae + 31 * options.seed);
  const w1 = weight(tf, rng, p, hidden);
  const w2 = weight(tf, rng, hidden, d);
  const w3 = weight(tf, rng, d, hidden);
  const w4 = weight(tf, rng, hidden, p);
  const b1 = tf.variable(tf.zeros([hidden]));
  const b2 = tf.variable(tf.zeros([d]));
  const b3 = tf.variable(tf.zeros([hidden]));
  const b4 = tf.variable(tf.zeros([p]));
  const encode = (x: TfCore.Tensor2D) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2) as TfCore.Tensor2D; // [n, d]
  const decode = (z: TfCore.Tensor2D) => tf.sigmoid(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(z, w3), b3)), w4), b4)); // [n, P]
  const optimizer = tf.train.adam(options.learningRate);
  const batch = Math.min(options.batch, trainCount);
  const x = new Float32Array(batch * p);
  let lossStart = Number.NaN;
  let lossEnd = Number.NaN;
  try {
    for (let step = 0; step < options.steps; step++) {
      for (let b = 0; b < batch; b++) {
        const image = firstTrain + rng.int(trainCount);
        x.set(images.pixels.subarray(image * p, (image + 1) * p), b * p);
      }
      const xs = tf.tensor2d(x, [batch, p]);
      const record = step === 0 || step === options.steps - 1;
      const cost = optimizer.minimize(() => tf.mean(tf.square(tf.sub(decode(encode(xs)), xs))) as TfCore.Scalar, record, [w1, w2, w3, w4, b1, b2, b3, b4]);
      xs.dispose();
      if (cost) {
        const value = (await cost.data())[0];
        cost.dispose();
        if (step === 0) lossStart = value;
        lossEnd = value;
      }
      if ((step + 1) % 10 === 0) await w1.data();
      onStep?.(step + 1);
    }
    const features = new Float32Array(images.count * d);
    const chunk = 1000;
    for (let start = 0; start < images.count; start += chunk) {
      const count = Math.min(chunk, images.count - start);
      const z = tf.tidy(() => encode(tf.tensor2d(images.pixels.subarray(start * p, (start + count) * p), [count, p])));
      features.set((await z.data()) as Float32Array, start * d);
      z.dispose();
    }
    return { features, featureDim: d, lossStart, lossEnd, seconds: (performance.now() - started) / 1000 };
  } finally {
    optimizer.dispose();
    tf.dispose([w1, w2, w3, w4, b1, b2, b3, b4]);
  }
}
