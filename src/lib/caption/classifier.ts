import type * as TfCore from '@tensorflow/tfjs';
import { Rng } from '../util/random.ts';
import { ACTIONS, syntheticSample } from './edits.ts';
import { applyDense, dense, embed, Params, type Tf, type T2 } from './tfParts.ts';
import { BOS, EOS, PAD } from './vocab.ts';

/**
 * The token-level edit-action classifier: for each token (and the end marker) the probabilities of copy,
 * replace, insert and delete. The paper fine-tunes XLNet for token classification; at this scale a
 * window model does: the embeddings of the token and its two neighbours on each side → ReLU layer → 4
 * logits, trained with cross-entropy on synthetic corruptions of the available captions (edits.ts).
 * After training it runs in plain loops (`predict`), which the pseudo-labeller calls thousands of times.
 */
export interface ClassifierConfig {
  embedding: number;
  hidden: number;
  steps: number;
  batch: number;
  learningRate: number;
  seed: number;
}

export const CLASSIFIER_DEFAULTS: ClassifierConfig = { embedding: 16, hidden: 64, steps: 300, batch: 64, learningRate: 3e-3, seed: 0 };
const WINDOW = 2;

export interface EditClassifier {
  /** Action probabilities [positions = ids.length + 1][4] for a sentence (without BOS/EOS). */
  predict(ids: readonly number[]): number[][];
  losses: number[];
  /** Share of held-out synthetic positions whose most likely action is the right one. */
  accuracy: number;
}

function windows(ids: readonly number[]): number[] {
  const padded = [...Array(WINDOW).fill(PAD), BOS, ...ids, EOS, ...Array(WINDOW).fill(PAD)];
  const out: number[] = [];
  for (let i = 0; i <= ids.length; i++) for (let d = -WINDOW; d <= WINDOW; d++) out.push(padded[WINDOW + 1 + i + d]);
  return out;
}

export async function trainClassifier(
  tf: Tf,
  sentences: readonly number[][],
  isKeyword: (id: number) => boolean,
  vocabSize: number,
  config: ClassifierConfig,
  onStep?: (step: number, loss: number) => void | Promise<void>,
): Promise<EditClassifier> {
  const rng = new Rng(config.seed * 13 + 5);
  const p = new Params(tf, config.seed * 17 + 2);
  const table = p.matrix(vocabSize, config.embedding);
  const width = (2 * WINDOW + 1) * config.embedding;
  const hidden = dense(p, width, config.hidden);
  const out = dense(p, config.hidden, ACTIONS.length);
  const firstWord = 4;
  const sample = (count: number) => {
    const win: number[] = [];
    const labels: number[] = [];
    while (labels.length < count) {
      const s = syntheticSample(sentences[rng.int(sentences.length)], isKeyword, vocabSize, firstWord, rng);
      win.push(...windows(s.ids));
      labels.push(...s.labels);
    }
    return { win, labels };
  };
  const forward = (win: TfCore.Tensor2D) => {
    const e = tf.reshape(embed(tf, table, win), [win.shape[0], width]);
    return applyDense(tf, out, tf.relu(applyDense(tf, hidden, e))) as T2;
  };
  const optimizer = tf.train.adam(config.learningRate);
  const losses: number[] = [];
  try {
    for (let step = 0; step < config.steps; step++) {
      const { win, labels } = sample(config.batch * 6);
      const n = labels.length;
      const winT = tf.tensor2d(win, [n, 2 * WINDOW + 1], 'int32');
      const target = tf.oneHot(tf.tensor1d(labels, 'int32'), ACTIONS.length);
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(target, forward(winT)) as TfCore.Scalar, true, p.list)!;
      losses.push((await loss.data())[0]);
      tf.dispose([loss, winT, target]);
      await onStep?.(step + 1, losses[losses.length - 1]);
    }
    const weights = {
      table: (await table.data()) as Float32Array,
      w1: (await hidden.w.data()) as Float32Array,
      b1: (await hidden.b.data()) as Float32Array,
      w2: (await out.w.data()) as Float32Array,
      b2: (await out.b.data()) as Float32Array,
    };
    const predict = (ids: readonly number[]) => predictWindows(windows(ids), weights, config);
    // held-out synthetic accuracy
    const test = sample(2000);
    let right = 0;
    const probs = predictWindows(test.win, weights, config);
    probs.forEach((row, i) => {
      if (row.indexOf(Math.max(...row)) === test.labels[i]) right++;
    });
    return { predict, losses, accuracy: right / test.labels.length };
  } finally {
    optimizer.dispose();
    p.dispose();
  }
}

function predictWindows(win: readonly number[], w: { table: Float32Array; w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array }, config: ClassifierConfig): number[][] {
  const span = 2 * WINDOW + 1;
  const width = span * config.embedding;
  const rows: number[][] = [];
  const x = new Float32Array(width);
  const h = new Float32Array(config.hidden);
  for (let r = 0; r < win.length / span; r++) {
    for (let s = 0; s < span; s++) x.set(w.table.subarray(win[r * span + s] * config.embedding, (win[r * span + s] + 1) * config.embedding), s * config.embedding);
    for (let j = 0; j < config.hidden; j++) {
      let sum = w.b1[j];
      for (let i = 0; i < width; i++) sum += x[i] * w.w1[i * config.hidden + j];
      h[j] = Math.max(0, sum);
    }
    const logits = Array.from({ length: ACTIONS.length }, (_, a) => {
      let sum = w.b2[a];
      for (let j = 0; j < config.hidden; j++) sum += h[j] * w.w2[j * ACTIONS.length + a];
      return sum;
    });
    const max = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - max));
    const total = e.reduce((a, b) => a + b, 0);
    rows.push(e.map((v) => v / total));
  }
  return rows;
}
