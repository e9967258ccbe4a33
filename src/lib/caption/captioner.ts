import type * as TfCore from '@tensorflow/tfjs';
import { Rng } from '../util/random.ts';
import {
  applyAttention,
  applyDense,
  attention,
  dense,
  embed,
  layerNorm,
  norm,
  Params,
  positions,
  type Tf,
  type T2,
  type T3,
} from './tfParts.ts';
import { BOS, EOS, PAD, type Vocabulary } from './vocab.ts';

/**
 * The keyword-refined captioner: a one-block transformer decoder over the clip's frame tokens, plus
 *   keyword predictor  p = σ(MLP(v̄)) ∈ [0,1]^K over the keyword vocabulary (v̄: mean frame token), trained
 *                      with binary cross-entropy against the keywords of the clip's training captions;
 *   keyword refiner    the top-k keywords' embeddings, each scaled by its probability, attend to the frame
 *                      tokens (one attention layer + layer norm): l_i = LN(p_i e_i + Attn(p_i e_i, frames));
 *   gated fusion       g_i = σ(W [l_i; v̄] + b) ∈ (0,1)^d,  f_i = g_i ⊙ l_i + (1 − g_i) ⊙ v̄;
 * the decoder cross-attends to [frame tokens; f_1…f_k]. Without the refiner ('no refiner' ablation) it
 * attends to the frame tokens alone. Loss: caption cross-entropy + keyword BCE. Greedy or beam decoding.
 */
export interface CaptionerConfig {
  width: number;
  heads: number;
  topKeywords: number;
  maxLength: number;
  steps: number;
  batch: number;
  learningRate: number;
  refiner: boolean;
  beam: number;
  seed: number;
}

export const CAPTIONER_DEFAULTS: CaptionerConfig = { width: 64, heads: 4, topKeywords: 5, maxLength: 14, steps: 300, batch: 32, learningRate: 2e-3, refiner: true, beam: 1, seed: 0 };

export interface CaptionerData {
  frames: number;
  tokenWidth: number;
  /** Frame tokens [T, E] per clip (the video–text model's). */
  frameTokens: Map<string, Float32Array>;
  /** Training pairs. */
  pairs: { clipId: string; caption: string }[];
  vocab: Vocabulary;
  /** Word ids that are keywords (the refiner's vocabulary), and each training clip's keyword targets. */
  keywordIds: number[];
  keywordTargets: Map<string, Set<number>>;
}

export interface Generated {
  caption: string;
  keywords: { word: string; prob: number; gate: number }[];
}

export interface TrainedCaptioner {
  losses: number[];
  generate(clipIds: string[]): Promise<Map<string, Generated>>;
  dispose(): void;
}

export async function trainCaptioner(tf: Tf, data: CaptionerData, config: CaptionerConfig, onStep?: (step: number, loss: number) => void | Promise<void>): Promise<TrainedCaptioner> {
  const { width: d, maxLength } = config;
  const { frames, vocab, keywordIds } = data;
  const K = keywordIds.length;
  const k = Math.min(config.topKeywords, K);
  const L = maxLength + 1;
  const p = new Params(tf, config.seed * 19 + 7);
  const inProj = dense(p, data.tokenWidth, d);
  const framePos = positions(tf, frames, d);
  const tokenPos = positions(tf, L, d);
  const kwHidden = dense(p, d, d);
  const kwOut = dense(p, d, K);
  const kwTable = p.matrix(K, d);
  const refineAttn = attention(p, d, config.heads);
  const refineNorm = norm(p, d);
  const gate = dense(p, 2 * d, d);
  const wordTable = p.matrix(vocab.size, d);
  const selfAttn = attention(p, d, config.heads);
  const crossAttn = attention(p, d, config.heads);
  const norms = [norm(p, d), norm(p, d), norm(p, d)];
  const ffIn = dense(p, d, 2 * d);
  const ffOut = dense(p, 2 * d, d);
  const vocabOut = dense(p, d, vocab.size);
  const causal = tf.linalg.bandPart(tf.ones([L, L]), -1, 0) as T2;

  /** Memory [B, T(+k), d], keyword logits [B, K], and the chosen keywords with their gates. */
  const predictKeywords = (frameTokens: T3) => {
    const x = tf.add(applyDense(tf, inProj, frameTokens), framePos) as T3; // [B, T, d]
    const pooled = tf.mean(x, 1) as T2; // [B, d]
    const kwLogits = applyDense(tf, kwOut, tf.relu(applyDense(tf, kwHidden, pooled))) as T2; // [B, K]
    return { x, pooled, kwLogits };
  };
  /** The top-k keyword indices [B, k], found outside the gradient tape (TopK has no gradient in tfjs). */
  const topKeywords = (frameTokens: T3) => tf.tidy(() => tf.topk(predictKeywords(frameTokens).kwLogits, k).indices);
  const encode = (frameTokens: T3, topIndices?: TfCore.Tensor) => {
    const [b] = frameTokens.shape;
    const { x, pooled, kwLogits } = predictKeywords(frameTokens);
    if (!config.refiner) return { memory: x, kwLogits, top: null, gates: null };
    const probs = tf.sigmoid(kwLogits);
    const top = { indices: topIndices ?? tf.topk(probs, k).indices }; // [B, k]
    const pick = tf.cast(tf.oneHot(top.indices as TfCore.Tensor2D, K), 'float32') as T3; // [B, k, K]
    const chosenProb = tf.sum(tf.mul(pick, tf.expandDims(probs, 1)), -1, true); // [B, k, 1]
    const chosen = tf.mul(tf.reshape(tf.matMul(tf.reshape(pick, [b * k, K]) as T2, kwTable as unknown as T2), [b, k, d]), chosenProb) as T3; // [B, k, d]
    const refined = layerNorm(tf, refineNorm, tf.add(chosen, applyAttention(tf, refineAttn, chosen, x))) as T3; // l_i
    const videoTiled = tf.tile(tf.expandDims(pooled, 1), [1, k, 1]); // [B, k, d]
    const g = tf.sigmoid(applyDense(tf, gate, tf.concat([refined, videoTiled], -1))); // [B, k, d]
    const fused = tf.add(tf.mul(g, refined), tf.mul(tf.sub(1, g), videoTiled)); // [B, k, d]
    return { memory: tf.concat([x, fused], 1) as T3, kwLogits, top: { indices: top.indices, probs: tf.squeeze(chosenProb, [2]) }, gates: tf.mean(g, -1) };
  };
  const decode = (memory: T3, inputIds: T2) => {
    const length = inputIds.shape[1];
    let h = tf.add(embed(tf, wordTable, inputIds), tf.slice(tokenPos, [0, 0], [length, d])) as T3;
    const mask = tf.slice(causal, [0, 0], [length, length]) as T2;
    h = layerNorm(tf, norms[0], tf.add(h, applyAttention(tf, selfAttn, h, h, mask))) as T3;
    h = layerNorm(tf, norms[1], tf.add(h, applyAttention(tf, crossAttn, h, memory))) as T3;
    h = layerNorm(tf, norms[2], tf.add(h, applyDense(tf, ffOut, tf.relu(applyDense(tf, ffIn, h))))) as T3;
    return applyDense(tf, vocabOut, h) as T3; // [B, length, V]
  };
  const stackFrames = (ids: string[]) => {
    const flat = new Float32Array(ids.length * frames * data.tokenWidth);
    ids.forEach((id, i) => flat.set(data.frameTokens.get(id)!, i * frames * data.tokenWidth));
    return tf.tensor3d(flat, [ids.length, frames, data.tokenWidth]);
  };

  const rng = new Rng(config.seed * 23 + 11);
  const optimizer = tf.train.adam(config.learningRate);
  const losses: number[] = [];
  const kwIndex = new Map(keywordIds.map((id, i) => [id, i]));
  for (let step = 0; step < config.steps; step++) {
    const chosen = Array.from({ length: config.batch }, () => data.pairs[rng.int(data.pairs.length)]);
    const inputs = new Int32Array(config.batch * L);
    const targets = new Int32Array(config.batch * L);
    const weights = new Float32Array(config.batch * L);
    const kwTargets = new Float32Array(config.batch * K);
    chosen.forEach(({ clipId, caption }, i) => {
      const ids = vocab.encode(caption).slice(0, maxLength);
      const input = [BOS, ...ids];
      const target = [...ids, EOS];
      for (let t = 0; t < L; t++) {
        inputs[i * L + t] = input[t] ?? PAD;
        targets[i * L + t] = target[t] ?? PAD;
        weights[i * L + t] = t < target.length ? 1 : 0;
      }
      for (const w of data.keywordTargets.get(clipId) ?? []) kwTargets[i * K + kwIndex.get(w)!] = 1;
    });
    const x = stackFrames(chosen.map((c) => c.clipId));
    const inT = tf.tensor2d(inputs, [config.batch, L], 'int32');
    const targetT = tf.oneHot(tf.tensor1d(targets, 'int32'), vocab.size);
    const weightT = tf.tensor1d(weights);
    const kwT = tf.tensor2d(kwTargets, [config.batch, K]);
    const topIndices = config.refiner ? topKeywords(x) : undefined;
    const loss = optimizer.minimize(() => {
      const { memory, kwLogits } = encode(x, topIndices);
      const logits = tf.reshape(decode(memory, inT), [config.batch * L, vocab.size]);
      const caption = tf.losses.softmaxCrossEntropy(targetT, logits, weightT, undefined, tf.Reduction.SUM_BY_NONZERO_WEIGHTS);
      const keywords = tf.losses.sigmoidCrossEntropy(kwT, kwLogits);
      return tf.add(caption, keywords) as TfCore.Scalar;
    }, true, p.list)!;
    losses.push((await loss.data())[0]);
    tf.dispose([loss, x, inT, targetT, weightT, kwT, ...(topIndices ? [topIndices] : [])]);
    await onStep?.(step + 1, losses[losses.length - 1]);
  }
  optimizer.dispose();

  async function generate(clipIds: string[]): Promise<Map<string, Generated>> {
    const out = new Map<string, Generated>();
    for (let start = 0; start < clipIds.length; start += 64) {
      const chunk = clipIds.slice(start, start + 64);
      const x = stackFrames(chunk);
      const [memory, ...extra] = tf.tidy(() => {
        const e = encode(x);
        return e.top && e.gates ? [e.memory, e.top.indices, e.top.probs, e.gates] : [e.memory];
      }) as TfCore.Tensor[];
      const captions = config.beam > 1 ? await beamSearch(memory as T3, config.beam) : await greedy(memory as T3);
      let keywords: Generated['keywords'][] = chunk.map(() => []);
      if (extra.length === 3) {
        const idx = (await extra[0].data()) as Int32Array;
        const probs = (await extra[1].data()) as Float32Array;
        const gates = (await extra[2].data()) as Float32Array;
        keywords = chunk.map((_, i) => Array.from({ length: k }, (_, j) => ({ word: vocab.words[keywordIds[idx[i * k + j]]], prob: probs[i * k + j], gate: gates[i * k + j] })));
      }
      chunk.forEach((id, i) => out.set(id, { caption: captions[i], keywords: keywords[i] }));
      tf.dispose([x, memory, ...extra]);
    }
    return out;
  }

  async function stepLogProbs(memory: T3, prefixes: number[][]): Promise<Float32Array> {
    const length = prefixes[0].length;
    const ids = tf.tensor2d(prefixes.flat(), [prefixes.length, length], 'int32');
    const last = tf.tidy(() => tf.logSoftmax(tf.squeeze(tf.slice(decode(memory, ids), [0, length - 1, 0], [-1, 1, -1]), [1])));
    const values = (await last.data()) as Float32Array;
    tf.dispose([ids, last]);
    return values;
  }

  async function greedy(memory: T3): Promise<string[]> {
    const b = memory.shape[0];
    const prefixes = Array.from({ length: b }, () => [BOS]);
    const done = new Array<boolean>(b).fill(false);
    for (let t = 0; t < maxLength && done.some((x) => !x); t++) {
      const lp = await stepLogProbs(memory, prefixes);
      prefixes.forEach((prefix, i) => {
        let best = PAD;
        for (let w = 0; w < vocab.size; w++) if (w !== PAD && w !== BOS && (best === PAD || lp[i * vocab.size + w] > lp[i * vocab.size + best])) best = w;
        prefix.push(done[i] ? EOS : best);
        if (best === EOS) done[i] = true;
      });
    }
    return prefixes.map((prefix) => vocab.decode(prefix.slice(1)));
  }

  async function beamSearch(memory: T3, width: number): Promise<string[]> {
    const b = memory.shape[0];
    const tiled = tf.reshape(tf.tile(tf.expandDims(memory, 1), [1, width, 1, 1]), [b * width, memory.shape[1], d]) as T3;
    // beams[i]: per clip, `width` hypotheses; at t = 0 only the first is live
    let beams = Array.from({ length: b }, () => Array.from({ length: width }, (_, j) => ({ ids: [BOS], score: j === 0 ? 0 : -Infinity, done: false })));
    for (let t = 0; t < maxLength && beams.some((clip) => clip.some((h) => !h.done && h.score > -Infinity)); t++) {
      const lp = await stepLogProbs(tiled, beams.flat().map((h) => h.ids));
      beams = beams.map((clip, i) => {
        const options: { ids: number[]; score: number; done: boolean }[] = [];
        clip.forEach((h, j) => {
          if (h.score === -Infinity) return;
          if (h.done) return void options.push(h);
          const row = (i * width + j) * vocab.size;
          for (let w = 0; w < vocab.size; w++) if (w !== PAD && w !== BOS) options.push({ ids: [...h.ids, w], score: h.score + lp[row + w], done: w === EOS });
        });
        options.sort((a, c) => c.score - a.score);
        const kept = options.slice(0, width);
        while (kept.length < width) kept.push({ ids: [...kept[0].ids], score: -Infinity, done: true });
        // all hypotheses of a step share one length, so live ones are padded to it
        return kept.map((h) => (h.done && h.ids.length < t + 2 ? { ...h, ids: [...h.ids, ...new Array<number>(t + 2 - h.ids.length).fill(EOS)] } : h));
      });
    }
    tiled.dispose();
    return beams.map((clip) => vocab.decode(clip[0].ids.slice(1)));
  }

  return {
    losses,
    generate,
    dispose() {
      tf.dispose([framePos, tokenPos, causal]);
      p.dispose();
    },
  };
}
