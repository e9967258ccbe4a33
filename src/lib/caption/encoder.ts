import type * as TfCore from '@tensorflow/tfjs';
import { Rng } from '../util/random.ts';
import type { CaptionDataset } from './dataset.ts';
import { applyDense, dense, Params, type Tf, type T2 } from './tfParts.ts';
import type { Vocabulary } from './vocab.ts';

/**
 * The video–text model: it gives the captioner its clip features and the pseudo-labeller its relevance
 * score. Video: a per-frame CNN on the world's pooled frames (one 2 × 2 stride-2 convolution, written as a
 * matmul over the frame's non-overlapping patches) or a per-frame dense layer on imported features, then
 * a dense layer to frame tokens [T, E]; temporal pooling concatenates the means of the first and second
 * half and the last-minus-first token and maps them to v ∈ R^E. Text: bag of words → R^E. Trained with
 * the symmetric InfoNCE loss on cos(v, t)/τ over a batch of (clip, one available caption) pairs.
 */
export interface EncoderConfig {
  width: number;
  convChannels: number;
  steps: number;
  batch: number;
  learningRate: number;
  temperature: number;
  seed: number;
}

export const ENCODER_DEFAULTS: EncoderConfig = { width: 64, convChannels: 8, steps: 200, batch: 32, learningRate: 3e-3, temperature: 0.07, seed: 0 };

export interface TrainedEncoder {
  width: number;
  frames: number;
  /** Frame tokens [T, E] per clip (frozen after training): the captioner's visual input. */
  frameTokens: Map<string, Float32Array>;
  /** Unit video embedding per clip. */
  videoEmbedding: Map<string, Float32Array>;
  /** Unit text embedding of a caption (plain loops over the trained weights). */
  embedText(sentence: string): Float32Array;
  losses: number[];
}

/** Reorders grid × grid × 3 frames into (grid/2)² patches of 2 × 2 × 3 so the convolution is one matmul. */
function toPatches(features: Float32Array, frames: number, grid: number): Float32Array {
  const out = new Float32Array(features.length);
  const half = grid / 2;
  let o = 0;
  for (let t = 0; t < frames; t++)
    for (let py = 0; py < half; py++)
      for (let px = 0; px < half; px++)
        for (let dy = 0; dy < 2; dy++)
          for (let dx = 0; dx < 2; dx++)
            for (let c = 0; c < 3; c++) out[o++] = features[((t * grid + py * 2 + dy) * grid + px * 2 + dx) * 3 + c];
  return out;
}

export async function trainEncoder(
  tf: Tf,
  data: CaptionDataset,
  available: Map<string, string[]>,
  vocab: Vocabulary,
  config: EncoderConfig,
  onStep?: (step: number, loss: number) => void | Promise<void>,
): Promise<TrainedEncoder> {
  const { width, batch } = config;
  const frames = data.frames;
  const useConv = data.grid !== undefined && data.grid % 2 === 0;
  const patchCount = useConv ? (data.grid! / 2) ** 2 : 0;
  const frameInput = useConv ? patchCount * config.convChannels : data.featureDim;
  const p = new Params(tf, config.seed * 31 + 1);
  const conv = useConv ? dense(p, 12, config.convChannels) : null;
  const frameLayer = dense(p, frameInput, width);
  const pool = dense(p, 3 * width, width);
  const textLayer = dense(p, vocab.size, width);
  const ids = [...data.clips.keys()];
  const inputs = new Map(ids.map((id) => [id, useConv ? toPatches(data.clips.get(id)!.features, frames, data.grid!) : data.clips.get(id)!.features]));

  const frameTokensOf = (x: TfCore.Tensor): TfCore.Tensor => {
    // x: [B, T, featureDim] → [B, T, E]
    const [b] = x.shape;
    let h: TfCore.Tensor;
    if (conv) {
      const patches = tf.reshape(x, [b * frames * patchCount, 12]);
      h = tf.reshape(tf.relu(applyDense(tf, conv, patches)), [b, frames, frameInput]);
    } else h = x;
    return tf.relu(applyDense(tf, frameLayer, h));
  };
  const videoOf = (tokens: TfCore.Tensor): T2 => {
    const half = Math.max(1, Math.floor(frames / 2));
    const first = tf.mean(tf.slice(tokens, [0, 0, 0], [-1, half, -1]), 1);
    const second = tf.mean(tf.slice(tokens, [0, frames - half, 0], [-1, half, -1]), 1);
    const delta = tf.sub(tf.squeeze(tf.slice(tokens, [0, frames - 1, 0], [-1, 1, -1]), [1]), tf.squeeze(tf.slice(tokens, [0, 0, 0], [-1, 1, -1]), [1]));
    return applyDense(tf, pool, tf.concat([first, second, delta], 1)) as T2;
  };
  const bagOfWords = (sentences: string[]): T2 => {
    const counts = new Float32Array(sentences.length * vocab.size);
    sentences.forEach((s, i) => {
      for (const w of vocab.encode(s)) counts[i * vocab.size + w] += 1;
    });
    return tf.tensor2d(counts, [sentences.length, vocab.size]);
  };
  const stack = (chosen: string[]) => {
    const flat = new Float32Array(chosen.length * frames * data.featureDim);
    chosen.forEach((id, i) => flat.set(inputs.get(id)!, i * frames * data.featureDim));
    return tf.tensor3d(flat, [chosen.length, frames, data.featureDim]);
  };

  const train = data.splits.train.filter((id) => (available.get(id)?.length ?? 0) > 0);
  const rng = new Rng(config.seed * 7 + 3);
  const optimizer = tf.train.adam(config.learningRate);
  const losses: number[] = [];
  const eye = tf.oneHot(tf.range(0, Math.min(batch, train.length), 1, 'int32'), Math.min(batch, train.length));
  try {
    for (let step = 0; step < config.steps; step++) {
      const chosen = rng.shuffle(train.slice()).slice(0, Math.min(batch, train.length));
      const captions = chosen.map((id) => {
        const list = available.get(id)!;
        return list[rng.int(list.length)];
      });
      const x = stack(chosen);
      const bow = bagOfWords(captions);
      const loss = optimizer.minimize(() => {
        const v = videoOf(frameTokensOf(x));
        const t = applyDense(tf, textLayer, bow) as T2;
        const logits = tf.div(tf.matMul(normalise(tf, v), normalise(tf, t), false, true), config.temperature); // [B, B]
        const a = tf.losses.softmaxCrossEntropy(eye, logits);
        const b = tf.losses.softmaxCrossEntropy(eye, tf.transpose(logits));
        return tf.div(tf.add(a, b), 2) as TfCore.Scalar;
      }, true, p.list);
      const value = (await loss!.data())[0];
      loss!.dispose();
      x.dispose();
      bow.dispose();
      losses.push(value);
      await onStep?.(step + 1, value);
    }
    // frozen outputs for every clip
    const frameTokens = new Map<string, Float32Array>();
    const videoEmbedding = new Map<string, Float32Array>();
    for (let start = 0; start < ids.length; start += 64) {
      const chunk = ids.slice(start, start + 64);
      const x = stack(chunk);
      const [tokens, video] = tf.tidy(() => {
        const tk = frameTokensOf(x);
        return [tk, normalise(tf, videoOf(tk))];
      });
      const tokenData = (await tokens.data()) as Float32Array;
      const videoData = (await video.data()) as Float32Array;
      chunk.forEach((id, i) => {
        frameTokens.set(id, tokenData.slice(i * frames * width, (i + 1) * frames * width));
        videoEmbedding.set(id, videoData.slice(i * width, (i + 1) * width));
      });
      tf.dispose([x, tokens, video]);
    }
    const textW = (await textLayer.w.data()) as Float32Array;
    const textB = (await textLayer.b.data()) as Float32Array;
    return {
      width,
      frames,
      frameTokens,
      videoEmbedding,
      losses,
      embedText(sentence) {
        const out = Float32Array.from(textB);
        for (const w of vocab.encode(sentence)) for (let j = 0; j < width; j++) out[j] += textW[w * width + j];
        return unit(out);
      },
    };
  } finally {
    eye.dispose();
    optimizer.dispose();
    p.dispose();
  }
}

function normalise(tf: Tf, x: T2): T2 {
  return tf.div(x, tf.add(tf.norm(x, 'euclidean', 1, true), 1e-8)) as T2;
}

export function unit(x: Float32Array): Float32Array {
  let s = 0;
  for (const v of x) s += v * v;
  const n = Math.sqrt(s) || 1;
  return x.map((v) => v / n);
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
