import type * as TfCore from '@tensorflow/tfjs-core';
import { LAYER_NORM_EPS, valueHeadOffsets, type OptConfig } from '../config.ts';
import { addPositionsCpu, gatherRowsCpu } from '../ops/embedding.ts';
import { configWithLayerWidths, type Activations, type KvCache, type LayerOptions, type LayerResult, type OptRuntime } from '../runtime.ts';
import { checkLayerWeights, type LayerNormParams, type OptLayerWeights, type OptWeights } from '../weights.ts';
import { CpuKvCache } from './cpuKvCache.ts';
import { applyLinear, disposeLinear, downloadLinear, uploadLinear, type Tf, type TfLinear } from './tfLinear.ts';

/**
 * The fast CPU path (DESIGN §2): every matrix product on tfjs (its wasm backend, XNNPACK + SIMD, in a
 * worker or in Node), token gathers and position adds in typed-array loops. Activations are
 * Float32Arrays; weights live in tfjs, transposed (see tfLinear.ts), plus the token table in JS for
 * the gather. Attention runs one 2-D product per (sequence, head): tfjs-wasm's batched matMul is
 * several times slower than separate ones here, and heads may have different value widths.
 */
interface CpuLayer {
  selfAttnLayerNorm: TfNorm;
  qProj: TfLinear;
  kProj: TfLinear;
  vProj: TfLinear;
  outProj: TfLinear;
  finalLayerNorm: TfNorm;
  fc1: TfLinear;
  fc2: TfLinear;
}

interface TfNorm {
  weight: TfCore.Tensor1D | null;
  bias: TfCore.Tensor1D | null;
}

/** Vocabulary rows per LM-head chunk: bounds the logits block to rows × this many floats. */
const HEAD_CHUNK_ROWS = 8192;
/** Added to masked scores: far below any real score, finite so softmax never sees −∞ − (−∞). */
const MASKED_SCORE = -1e9;

export class CpuOptRuntime implements OptRuntime<Float32Array> {
  readonly backend = 'cpu' as const;
  private currentConfig: OptConfig;
  private readonly layers: CpuLayer[];
  /** [vocab, Dw] in JS for the gather. */
  private readonly embedTokens: Float32Array;
  private readonly embedPositions: Float32Array;
  /** Chunks of the LM head, each [Dw, chunkRows]. */
  private readonly headChunks: { start: number; rows: number; weightT: TfCore.Tensor2D }[] = [];
  private readonly projectIn: TfLinear | null;
  private readonly projectOut: TfLinear | null;
  private readonly finalLayerNorm: TfNorm | null;

  /** Takes the weights (their matrices move into tfjs; drop your references). */
  constructor(
    private readonly tf: Tf,
    config: OptConfig,
    weights: OptWeights,
  ) {
    this.currentConfig = config;
    const Dw = config.wordEmbedProjDim;
    const H = config.hiddenSize;
    this.embedTokens = weights.embedTokens;
    this.embedPositions = weights.embedPositions;
    for (let start = 0; start < config.vocabSize; start += HEAD_CHUNK_ROWS) {
      const rows = Math.min(HEAD_CHUNK_ROWS, config.vocabSize - start);
      const chunk = tf.tensor2d(weights.embedTokens.subarray(start * Dw, (start + rows) * Dw), [rows, Dw]);
      this.headChunks.push({ start, rows, weightT: tf.transpose(chunk) });
      chunk.dispose();
    }
    const projection = (weight: Float32Array | null, out: number, inF: number) =>
      weight ? uploadLinear(tf, { weight, bias: null, outFeatures: out, inFeatures: inF }) : null;
    this.projectIn = projection(weights.projectIn, H, Dw);
    this.projectOut = projection(weights.projectOut, Dw, H);
    this.finalLayerNorm = weights.finalLayerNorm ? this.uploadNorm(weights.finalLayerNorm) : null;
    this.layers = weights.layers.map((layer) => this.uploadLayer(layer));
  }

  get config(): OptConfig {
    return this.currentConfig;
  }

  get weightBytes(): number {
    return this.tf.memory().numBytes + this.embedTokens.byteLength + this.embedPositions.byteLength;
  }

  async embed(ids: Int32Array, shape: { batch: number; seqLen: number; positionOffset?: number }): Promise<Activations<Float32Array>> {
    const { batch, seqLen } = shape;
    if (ids.length !== batch * seqLen) throw new RangeError(`embed: ${ids.length} ids for ${batch}×${seqLen}`);
    const { wordEmbedProjDim: Dw, hiddenSize: H } = this.config;
    let x = gatherRowsCpu(this.embedTokens, Dw, ids); // [N, Dw]
    if (this.projectIn) {
      const tf = this.tf;
      x = tf.tidy(() => applyLinear(tf, tf.tensor2d(x, [ids.length, Dw]), this.projectIn!).dataSync() as Float32Array); // [N, H]
    }
    addPositionsCpu(x, this.embedPositions, { batch, seqLen, width: H, positionOffset: shape.positionOffset ?? 0 });
    return { data: x, batch, seqLen, width: H };
  }

  async layer(l: number, x: Activations<Float32Array>, options: LayerOptions = {}): Promise<LayerResult<Float32Array>> {
    const tf = this.tf;
    const config = this.config;
    const weights = this.layers[l];
    if (!weights) throw new RangeError(`layer ${l} is not in 0…${config.numLayers - 1}`);
    const { batch, seqLen } = x;
    const rows = batch * seqLen;
    const H = config.hiddenSize;
    const cache = options.cache as CpuKvCache | undefined;
    if (cache && !(cache instanceof CpuKvCache)) throw new TypeError('this KV cache belongs to another backend');
    const preLn = config.doLayerNormBefore;
    const captured: { outProjInput?: Float32Array; fc2Input?: Float32Array } = {};

    const hidden = tf.tidy(() => {
      const input = tf.tensor2d(x.data, [rows, H]);
      const attnIn = preLn ? this.norm(input, weights.selfAttnLayerNorm) : input;
      const q = tf.mul(applyLinear(tf, attnIn, weights.qProj), 1 / Math.sqrt(config.headDim)) as TfCore.Tensor2D; // [N, H]
      const k = applyLinear(tf, attnIn, weights.kProj); // [N, H]
      const v = applyLinear(tf, attnIn, weights.vProj); // [N, vDim]
      const context = this.attention(l, q, k, v, batch, seqLen, cache); // [N, vDim]
      if (options.capture?.outProjInput) captured.outProjInput = context.dataSync() as Float32Array;
      let h = tf.add(applyLinear(tf, context, weights.outProj), input) as TfCore.Tensor2D; // [N, H]
      if (!preLn) h = this.norm(h, weights.selfAttnLayerNorm);
      const mlpIn = preLn ? this.norm(h, weights.finalLayerNorm) : h;
      const activations = tf.relu(applyLinear(tf, mlpIn, weights.fc1)); // [N, ffn]
      if (options.capture?.fc2Input) captured.fc2Input = activations.dataSync() as Float32Array;
      let out = tf.add(applyLinear(tf, activations, weights.fc2), h) as TfCore.Tensor2D; // [N, H]
      if (!preLn) out = this.norm(out, weights.finalLayerNorm);
      return out.dataSync() as Float32Array;
    });
    const shaped = (data: Float32Array, width: number): Activations<Float32Array> => ({ data, batch, seqLen, width });
    return {
      hidden: shaped(hidden, H),
      outProjInput: captured.outProjInput && shaped(captured.outProjInput, config.vDims[l]),
      fc2Input: captured.fc2Input && shaped(captured.fc2Input, config.ffnDims[l]),
    };
  }

  /** Causal attention of q [N, H] over this call's keys (and the cache's, when given) → [N, vDim]. */
  private attention(
    l: number,
    q: TfCore.Tensor2D,
    k: TfCore.Tensor2D,
    v: TfCore.Tensor2D,
    batch: number,
    queryLen: number,
    cache: CpuKvCache | undefined,
  ): TfCore.Tensor2D {
    const tf = this.tf;
    const { numHeads, headDim } = this.config;
    const vOffsets = valueHeadOffsets(this.config, l);
    const vDim = vOffsets[numHeads];
    let keys = k;
    let values = v;
    let keyLen = queryLen;
    if (cache) {
      const stored = cache.append(l, k.dataSync() as Float32Array, v.dataSync() as Float32Array, queryLen, vDim);
      keyLen = stored.keyLen;
      keys = tf.tensor2d(stored.keys, [batch * keyLen, numHeads * headDim]);
      values = tf.tensor2d(stored.values, [batch * keyLen, vDim]);
    }
    if (vDim === 0) return tf.zeros([batch * queryLen, 0]);
    const mask = causalMask(tf, queryLen, keyLen);
    const perSequence: TfCore.Tensor2D[] = [];
    for (let b = 0; b < batch; b++) {
      const qb = tf.slice(q, [b * queryLen, 0], [queryLen, numHeads * headDim]);
      const kbT = tf.transpose(tf.slice(keys, [b * keyLen, 0], [keyLen, numHeads * headDim])); // [H, keyLen]
      const vb = tf.slice(values, [b * keyLen, 0], [keyLen, vDim]);
      const heads: TfCore.Tensor2D[] = [];
      for (let h = 0; h < numHeads; h++) {
        const width = vOffsets[h + 1] - vOffsets[h];
        if (width === 0) continue;
        const scores = tf.matMul(tf.slice(qb, [0, h * headDim], [queryLen, headDim]), tf.slice(kbT, [h * headDim, 0], [headDim, keyLen])); // [Tq, Tk]
        const probs = tf.softmax(tf.add(scores, mask) as TfCore.Tensor2D);
        heads.push(tf.matMul(probs, tf.slice(vb, [0, vOffsets[h]], [keyLen, width]))); // [Tq, width]
      }
      perSequence.push(heads.length === 1 ? heads[0] : tf.concat(heads, 1));
    }
    return perSequence.length === 1 ? perSequence[0] : tf.concat(perSequence, 0);
  }

  private norm(x: TfCore.Tensor2D, params: TfNorm): TfCore.Tensor2D {
    const tf = this.tf;
    const { mean, variance } = tf.moments(x, 1, true);
    let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LAYER_NORM_EPS))) as TfCore.Tensor2D;
    if (params.weight) y = tf.mul(y, params.weight);
    if (params.bias) y = tf.add(y, params.bias);
    return y;
  }

  /** Final layer norm and project_out: the input of the LM head. */
  private headInput(x: Activations<Float32Array>, lastPositionOnly: boolean): TfCore.Tensor2D {
    const tf = this.tf;
    let data = x.data;
    let rows = x.batch * x.seqLen;
    if (lastPositionOnly && x.seqLen > 1) {
      data = new Float32Array(x.batch * x.width);
      for (let b = 0; b < x.batch; b++) data.set(x.data.subarray(((b + 1) * x.seqLen - 1) * x.width, (b + 1) * x.seqLen * x.width), b * x.width);
      rows = x.batch;
    }
    let h = tf.tensor2d(data, [rows, x.width]);
    if (this.finalLayerNorm) h = this.norm(h, this.finalLayerNorm);
    if (this.projectOut) h = applyLinear(tf, h, this.projectOut);
    return h;
  }

  async logits(x: Activations<Float32Array>, options: { lastPositionOnly?: boolean } = {}): Promise<Float32Array> {
    const tf = this.tf;
    const V = this.config.vocabSize;
    const rows = options.lastPositionOnly ? x.batch : x.batch * x.seqLen;
    const out = new Float32Array(rows * V);
    tf.tidy(() => {
      const h = this.headInput(x, options.lastPositionOnly ?? false);
      for (const chunk of this.headChunks) {
        const block = tf.matMul(h, chunk.weightT).dataSync(); // [rows, chunkRows]
        for (let r = 0; r < rows; r++) out.set(block.subarray(r * chunk.rows, (r + 1) * chunk.rows), r * V + chunk.start);
      }
    });
    return out;
  }

  async nll(x: Activations<Float32Array>, targets: Int32Array): Promise<Float32Array> {
    const tf = this.tf;
    const rows = x.batch * x.seqLen;
    if (targets.length !== rows) throw new RangeError(`nll: ${targets.length} targets for ${rows} rows`);
    const Dw = this.config.wordEmbedProjDim;
    const logSumExp = new Float64Array(rows).fill(-Infinity);
    let headIn: Float32Array | undefined;
    tf.tidy(() => {
      const h = this.headInput(x, false);
      headIn = h.dataSync() as Float32Array;
      for (const chunk of this.headChunks) {
        const chunkLse = tf.logSumExp(tf.matMul(h, chunk.weightT), 1).dataSync(); // [rows]
        for (let r = 0; r < rows; r++) logSumExp[r] = logAddExp(logSumExp[r], chunkLse[r]);
      }
    });
    // The target's logit is one dot product with its embedding row: no need to keep the logits.
    const out = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      const row = targets[r] * Dw;
      let dot = 0;
      for (let c = 0; c < Dw; c++) dot += headIn![r * Dw + c] * this.embedTokens[row + c];
      out[r] = logSumExp[r] - dot;
    }
    return out;
  }

  async read(x: Activations<Float32Array>): Promise<Float32Array> {
    return x.data;
  }

  upload(data: Float32Array, shape: { batch: number; seqLen: number; width: number }): Activations<Float32Array> {
    if (data.length !== shape.batch * shape.seqLen * shape.width) throw new RangeError('upload: data length does not match the shape');
    return { data, ...shape };
  }

  release(): void {}

  async getLayerWeights(l: number): Promise<OptLayerWeights> {
    const tf = this.tf;
    const layer = this.layers[l];
    if (!layer) throw new RangeError(`layer ${l} is not in 0…${this.config.numLayers - 1}`);
    const norm = (n: TfNorm): LayerNormParams => ({
      weight: n.weight ? (n.weight.dataSync() as Float32Array).slice() : null,
      bias: n.bias ? (n.bias.dataSync() as Float32Array).slice() : null,
    });
    return {
      selfAttnLayerNorm: norm(layer.selfAttnLayerNorm),
      qProj: downloadLinear(tf, layer.qProj),
      kProj: downloadLinear(tf, layer.kProj),
      vProj: downloadLinear(tf, layer.vProj),
      outProj: downloadLinear(tf, layer.outProj),
      finalLayerNorm: norm(layer.finalLayerNorm),
      fc1: downloadLinear(tf, layer.fc1),
      fc2: downloadLinear(tf, layer.fc2),
    };
  }

  async setLayerWeights(l: number, weights: OptLayerWeights, vHeadDims?: readonly number[]): Promise<void> {
    const next = configWithLayerWidths(this.config, l, weights, vHeadDims);
    checkLayerWeights(next, l, weights);
    this.disposeLayer(this.layers[l]);
    this.layers[l] = this.uploadLayer(weights);
    this.currentConfig = next;
  }

  createKvCache(batch: number, capacity: number): KvCache {
    if (capacity > this.config.maxPositions) throw new RangeError(`a KV cache of ${capacity} exceeds the model's ${this.config.maxPositions} positions`);
    return new CpuKvCache(this.config, batch, capacity);
  }

  dispose(): void {
    for (const layer of this.layers) this.disposeLayer(layer);
    for (const chunk of this.headChunks) chunk.weightT.dispose();
    if (this.projectIn) disposeLinear(this.projectIn);
    if (this.projectOut) disposeLinear(this.projectOut);
    if (this.finalLayerNorm) this.disposeNorm(this.finalLayerNorm);
  }

  private uploadNorm(params: LayerNormParams): TfNorm {
    return { weight: params.weight && this.tf.tensor1d(params.weight), bias: params.bias && this.tf.tensor1d(params.bias) };
  }

  private uploadLayer(layer: OptLayerWeights): CpuLayer {
    const tf = this.tf;
    return {
      selfAttnLayerNorm: this.uploadNorm(layer.selfAttnLayerNorm),
      qProj: uploadLinear(tf, layer.qProj),
      kProj: uploadLinear(tf, layer.kProj),
      vProj: uploadLinear(tf, layer.vProj),
      outProj: uploadLinear(tf, layer.outProj),
      finalLayerNorm: this.uploadNorm(layer.finalLayerNorm),
      fc1: uploadLinear(tf, layer.fc1),
      fc2: uploadLinear(tf, layer.fc2),
    };
  }

  private disposeNorm(norm: TfNorm): void {
    norm.weight?.dispose();
    norm.bias?.dispose();
  }

  private disposeLayer(layer: CpuLayer): void {
    this.disposeNorm(layer.selfAttnLayerNorm);
    this.disposeNorm(layer.finalLayerNorm);
    for (const linear of [layer.qProj, layer.kProj, layer.vProj, layer.outProj, layer.fc1, layer.fc2]) disposeLinear(linear);
  }
}

/** [queryLen, keyLen]: 0 where query i may see key j (j ≤ keyLen − queryLen + i), a large negative elsewhere. */
function causalMask(tf: Tf, queryLen: number, keyLen: number): TfCore.Tensor2D {
  const mask = new Float32Array(queryLen * keyLen);
  for (let i = 0; i < queryLen; i++) for (let j = keyLen - queryLen + i + 1; j < keyLen; j++) mask[i * keyLen + j] = MASKED_SCORE;
  return tf.tensor2d(mask, [queryLen, keyLen]);
}

function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const max = Math.max(a, b);
  return max + Math.log(Math.exp(a - max) + Math.exp(b - max));
}

