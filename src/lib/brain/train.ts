import type * as TfCore from '@tensorflow/tfjs';
import { Rng } from '../util/random.ts';
import type { Decoder, Tf } from './decoders.ts';

/**
 * CLIP-style contrastive training of one decoder on pooled subjects (TGBD's CLIPLoss). For a batch of
 * B distinct stimuli, each seen through one randomly drawn training subject:
 *   p_i = f(r_{s_i}(i)) / ‖·‖,  t_i = z_i / ‖z_i‖,  L_ij = p_i·t_j / τ
 *   loss = ½ [CE(L, I) + CE(Lᵀ, I)]                  (cross-entropy with the diagonal as the labels)
 * Distinct stimuli per batch keep the off-diagonal pairs true negatives. Adam, fixed τ.
 */
export interface PooledData {
  voxels: number;
  featureDim: number;
  /** Per subject: z-scored responses [nStimuli, V]. */
  responses: Float32Array[];
  /** [nStimuli, featureDim], rows L2-normalised. */
  targets: Float32Array;
}

export interface TrainOptions {
  subjects: readonly number[]; // indices into data.responses
  stimuli: readonly number[]; // training stimuli
  steps: number;
  batch: number;
  learningRate: number;
  temperature: number;
  seed: number;
  /** Called after every step (progress; throw to cancel). */
  onStep?: (done: number, loss: number | undefined) => void;
}

const SYNC_EVERY = 10;

export function contrastiveLoss(tf: Tf, embedded: TfCore.Tensor2D, targets: TfCore.Tensor2D, temperature: number): TfCore.Scalar {
  const batch = embedded.shape[0];
  const predicted = tf.div(embedded, tf.add(tf.norm(embedded, 'euclidean', 1, true), 1e-8)); // [B, d]
  const logits = tf.mul(tf.matMul(predicted, targets, false, true), 1 / temperature); // [B, B]
  const eye = tf.eye(batch);
  const rowLoss = tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), eye), 1)));
  const columnLoss = tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(tf.transpose(logits)), eye), 1)));
  return tf.mul(tf.add(rowLoss, columnLoss), 0.5) as TfCore.Scalar;
}

/** Trains `decoder` in place; returns the last recorded loss. */
export async function trainDecoder(tf: Tf, decoder: Decoder, data: PooledData, options: TrainOptions): Promise<number> {
  const { voxels, featureDim } = data;
  const batch = Math.min(options.batch, options.stimuli.length);
  if (batch < 2) throw new RangeError(`contrastive training needs at least 2 training stimuli, got ${options.stimuli.length}`);
  if (options.subjects.length < 1) throw new RangeError('train on at least one subject');
  const rng = new Rng(0x7a1 + 15485863 * options.seed);
  const optimizer = tf.train.adam(options.learningRate);
  const variables = Object.values(decoder.params);
  const order = [...options.stimuli];
  const x = new Float32Array(batch * voxels);
  const y = new Float32Array(batch * featureDim);
  let lastLoss = Number.NaN;
  try {
    for (let step = 0; step < options.steps; step++) {
      for (let b = 0; b < batch; b++) {
        const j = b + rng.int(order.length - b); // partial Fisher–Yates: B distinct stimuli
        [order[b], order[j]] = [order[j], order[b]];
        const stimulus = order[b];
        const subject = options.subjects[rng.int(options.subjects.length)];
        x.set(data.responses[subject].subarray(stimulus * voxels, (stimulus + 1) * voxels), b * voxels);
        y.set(data.targets.subarray(stimulus * featureDim, (stimulus + 1) * featureDim), b * featureDim);
      }
      const xs = tf.tensor2d(x, [batch, voxels]);
      const ys = tf.tensor2d(y, [batch, featureDim]);
      const sync = (step + 1) % SYNC_EVERY === 0 || step === options.steps - 1;
      const cost = optimizer.minimize(() => contrastiveLoss(tf, decoder.apply(xs), ys, options.temperature), sync, variables);
      tf.dispose([xs, ys]);
      let loss: number | undefined;
      if (cost) {
        loss = (await cost.data())[0];
        cost.dispose();
        lastLoss = loss;
      }
      options.onStep?.(step + 1, loss);
    }
  } finally {
    optimizer.dispose();
  }
  return lastLoss;
}

/** Decoded embeddings of response rows [n, V] → [n, d], in chunks (no gradients kept). */
export async function embedRows(tf: Tf, decoder: Decoder, rows: Float32Array, voxels: number): Promise<Float32Array> {
  const n = rows.length / voxels;
  const d = decoder.spec.outDim;
  const out = new Float32Array(n * d);
  const chunk = 256;
  for (let start = 0; start < n; start += chunk) {
    const count = Math.min(chunk, n - start);
    const result = tf.tidy(() => decoder.apply(tf.tensor2d(rows.subarray(start * voxels, (start + count) * voxels), [count, voxels])));
    out.set((await result.data()) as Float32Array, start * d);
    result.dispose();
  }
  return out;
}
