import type * as TfCore from '@tensorflow/tfjs-core';
import { LAYER_NORM_EPS, valueHeadOffsets, type OptConfig } from '../config.ts';
import { addPositionsCpu, gatherRowsCpu } from '../ops/embedding.ts';
import { configWithLayerWidths, type Activations, type KvCache, type LayerCaptures, type LayerOptions, type LayerResult, type OptRuntime } from '../runtime.ts';
import { checkLayerWeights, type LayerNormParams, type OptLayerWeights, type OptWeights } from '../weights.ts';
import { CpuKvCache } from './cpuKvCache.ts';
import type { CpuPhase, CpuProfile } from './cpuProfile.ts';
import { layerNormCpu } from '../ops/layerNorm.ts';
import { applyLinear, disposeLinear, downloadLinear, linearOnArray, readAndDispose, uploadLinear, type Tf, type TfLinear } from './tfLinear.ts';

/**
 * The fast CPU path (DESIGN §2): every matrix product on tfjs (its wasm backend, XNNPACK + SIMD, in a
 * worker or in Node), token gathers and position adds in typed-array loops. Activations are
 * Float32Arrays; weights live in tfjs, transposed (see tfLinear.ts), plus the token table in JS for
 * the gather. Attention runs one 2-D product per (sequence, head): tfjs-wasm's batched matMul is
 * several times slower than separate ones here, and heads may have different value widths.
 */
interface CpuLayer {
  /** Layer norms stay in JS: a typed-array loop beats a chain of small tfjs ops. */
  selfAttnLayerNorm: LayerNormParams;
  qProj: TfLinear;
  kProj: TfLinear;
  vProj: TfLinear;
  outProj: TfLinear;
  finalLayerNorm: LayerNormParams;
  fc1: TfLinear;
  fc2: TfLinear;
}

/** Vocabulary rows per LM-head chunk: bounds the logits block to rows × this many floats. */
export const HEAD_CHUNK_ROWS = 8192;
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
  private readonly finalLayerNorm: LayerNormParams | null;
  /** When set, each phase of every call adds its wall time here (bench:opt's breakdown). */
  profile: CpuProfile | null = null;

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
    this.finalLayerNorm = weights.finalLayerNorm;
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
    return this.timed('embed', () => {
      let x = gatherRowsCpu(this.embedTokens, Dw, ids); // [N, Dw]
      if (this.projectIn) x = linearOnArray(this.tf, x, ids.length, this.projectIn); // [N, H]
      addPositionsCpu(x, this.embedPositions, { batch, seqLen, width: H, positionOffset: shape.positionOffset ?? 0 });
      return { data: x, batch, seqLen, width: H };
    });
  }

  async layer(l: number, x: Activations<Float32Array>, options: LayerOptions = {}): Promise<LayerResult<Float32Array>> {
    return this.runLayer(l, x, options, false);
  }

  async captureInputs(l: number, x: Activations<Float32Array>, capture: LayerCaptures): Promise<Omit<LayerResult<Float32Array>, 'hidden'>> {
    const { outProjInput, fc2Input } = this.runLayer(l, x, { capture }, true);
    return { outProjInput, fc2Input };
  }

  /** The layer; with `capturesOnly`, it stops after fc2's input (and `hidden` is x, unchanged). */
  private runLayer(l: number, x: Activations<Float32Array>, options: LayerOptions, capturesOnly: boolean): LayerResult<Float32Array> {
    const tf = this.tf;
    const config = this.config;
    const weights = this.layers[l];
    if (!weights) throw new RangeError(`layer ${l} is not in 0…${config.numLayers - 1}`);
    const { batch, seqLen } = x;
    const rows = batch * seqLen;
    const cache = options.cache as CpuKvCache | undefined;
    if (cache && !(cache instanceof CpuKvCache)) throw new TypeError('this KV cache belongs to another backend');
    const preLn = config.doLayerNormBefore;
    const norm = (data: Float32Array, params: LayerNormParams) => this.normArray(data, rows, params);
    const linear = (phase: CpuPhase, input: Float32Array, weightsOf: TfLinear, relu = false) => this.timed(phase, () => linearOnArray(tf, input, rows, weightsOf, relu));
    const residual = (target: Float32Array, source: Float32Array) => this.timed('residual adds', () => addInPlace(target, source));

    // Self-attention block (or its output as given: a pruning pass that already computed it).
    const given = options.attentionOutput;
    if (given && (cache || given.length !== rows * config.vDims[l])) {
      throw new RangeError(`layer ${l}: a given attention output must be [${rows}, ${config.vDims[l]}] and comes without a KV cache`);
    }
    let context = given; // [N, vDim]
    if (!context) {
      const attnIn = preLn ? norm(x.data, weights.selfAttnLayerNorm) : x.data;
      const q = linear('q/k/v', attnIn, weights.qProj); // [N, H]
      const k = linear('q/k/v', attnIn, weights.kProj); // [N, H]
      const v = linear('q/k/v', attnIn, weights.vProj); // [N, vDim]
      context = this.attention(l, q, k, v, batch, seqLen, cache);
    }
    if (capturesOnly && !options.capture?.fc2Input) return { hidden: x, outProjInput: options.capture?.outProjInput ? { data: context, batch, seqLen, width: config.vDims[l] } : undefined };
    let h = residual(linear('out_proj', context, weights.outProj), x.data); // [N, H]
    if (!preLn) h = norm(h, weights.selfAttnLayerNorm);

    // Feed-forward block.
    const mlpIn = preLn ? norm(h, weights.finalLayerNorm) : h;
    const activations = linear('fc1', mlpIn, weights.fc1, true); // [N, ffn], ReLU applied
    const shaped = (data: Float32Array, width: number): Activations<Float32Array> => ({ data, batch, seqLen, width });
    const captured = {
      outProjInput: options.capture?.outProjInput ? shaped(context, config.vDims[l]) : undefined,
      fc2Input: options.capture?.fc2Input ? shaped(activations, config.ffnDims[l]) : undefined,
    };
    if (capturesOnly) return { hidden: x, ...captured };
    let out = residual(linear('fc2', activations, weights.fc2), h); // [N, H]
    if (!preLn) out = norm(out, weights.finalLayerNorm);
    return { hidden: shaped(out, config.hiddenSize), ...captured };
  }

  /**
   * Causal attention of q [N, H] over this call's keys (and the cache's, when given) → [N, vDim].
   * Heads are split into contiguous arrays in JS (tfjs-wasm's column slices cost more than the
   * products); each head is two tfjs products around a masked softmax.
   */
  private attention(l: number, q: Float32Array, k: Float32Array, v: Float32Array, batch: number, queryLen: number, cache: CpuKvCache | undefined): Float32Array {
    const tf = this.tf;
    const { numHeads, headDim, hiddenSize: H } = this.config;
    const vOffsets = valueHeadOffsets(this.config, l);
    const vDim = vOffsets[numHeads];
    let keys = k;
    let values = v;
    let keyLen = queryLen;
    if (cache) ({ keys, values, keyLen } = cache.append(l, k, v, queryLen, vDim));
    const context = new Float32Array(batch * queryLen * vDim);
    if (vDim === 0) return context;
    const scale = 1 / Math.sqrt(headDim);
    const qh = new Float32Array(queryLen * headDim);
    const khT = new Float32Array(headDim * keyLen);
    const mask = causalMask(tf, queryLen, keyLen);
    for (let b = 0; b < batch; b++) {
      for (let h = 0; h < numHeads; h++) {
        const width = vOffsets[h + 1] - vOffsets[h];
        if (width === 0) continue;
        const split = this.startTimer();
        for (let i = 0; i < queryLen; i++) {
          const row = (b * queryLen + i) * H + h * headDim;
          for (let d = 0; d < headDim; d++) qh[i * headDim + d] = q[row + d] * scale;
        }
        for (let j = 0; j < keyLen; j++) {
          const row = (b * keyLen + j) * H + h * headDim;
          for (let d = 0; d < headDim; d++) khT[d * keyLen + j] = keys[row + d];
        }
        const vh = new Float32Array(keyLen * width);
        for (let j = 0; j < keyLen; j++) vh.set(values.subarray((b * keyLen + j) * vDim + vOffsets[h], (b * keyLen + j) * vDim + vOffsets[h] + width), j * width);
        const products = this.stopTimer('attention: head split/merge', split);
        const out = readAndDispose(
          tf.tidy(() => {
            const scores = tf.matMul(tf.tensor2d(qh, [queryLen, headDim]), tf.tensor2d(khT, [headDim, keyLen])); // [Tq, Tk]
            const probs = tf.softmax(tf.add(scores, mask) as TfCore.Tensor2D);
            return tf.matMul(probs, tf.tensor2d(vh, [keyLen, width])); // [Tq, width]
          }),
        );
        const merge = this.stopTimer('attention: products + softmax', products);
        for (let i = 0; i < queryLen; i++) context.set(out.subarray(i * width, (i + 1) * width), (b * queryLen + i) * vDim + vOffsets[h]);
        this.stopTimer('attention: head split/merge', merge);
      }
    }
    mask.dispose();
    return context;
  }

  private timed<T>(phase: CpuPhase, work: () => T): T {
    return this.profile ? this.profile.time(phase, work) : work();
  }

  /** A start time for `stopTimer` (0 when not profiling), for phases that interleave inside one loop. */
  private startTimer(): number {
    return this.profile ? performance.now() : 0;
  }

  /** Adds the time since `start` to the phase; returns now, the next phase's start. */
  private stopTimer(phase: CpuPhase, start: number): number {
    if (!this.profile) return 0;
    const now = performance.now();
    this.profile.ms.set(phase, (this.profile.ms.get(phase) ?? 0) + now - start);
    return now;
  }

  private normArray(x: Float32Array, rows: number, params: LayerNormParams): Float32Array {
    return this.timed('layer norm', () => layerNormCpu(x, { rows, width: this.config.hiddenSize, weight: params.weight, bias: params.bias, eps: LAYER_NORM_EPS }));
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
    if (this.finalLayerNorm) data = this.normArray(data, rows, this.finalLayerNorm);
    const h = tf.tensor2d(data, [rows, x.width]);
    return this.projectOut ? applyLinear(tf, h, this.projectOut) : h;
  }

  async logits(x: Activations<Float32Array>, options: { lastPositionOnly?: boolean } = {}): Promise<Float32Array> {
    const tf = this.tf;
    const V = this.config.vocabSize;
    const rows = options.lastPositionOnly ? x.batch : x.batch * x.seqLen;
    const out = new Float32Array(rows * V);
    const h = tf.tidy(() => this.headInput(x, options.lastPositionOnly ?? false));
    this.timed('LM head', () => {
      for (const chunk of this.headChunks) {
        const block = readAndDispose(tf.matMul(h, chunk.weightT)); // [rows, chunkRows]
        for (let r = 0; r < rows; r++) out.set(block.subarray(r * chunk.rows, (r + 1) * chunk.rows), r * V + chunk.start);
      }
    });
    h.dispose();
    return out;
  }

  async nll(x: Activations<Float32Array>, targets: Int32Array): Promise<Float32Array> {
    const tf = this.tf;
    const rows = x.batch * x.seqLen;
    if (targets.length !== rows) throw new RangeError(`nll: ${targets.length} targets for ${rows} rows`);
    const Dw = this.config.wordEmbedProjDim;
    const logSumExp = new Float64Array(rows).fill(-Infinity);
    const h = tf.tidy(() => this.headInput(x, false));
    const headIn = h.dataSync() as Float32Array;
    for (const chunk of this.headChunks) {
      const chunkLse = readAndDispose(tf.tidy(() => tf.logSumExp(tf.matMul(h, chunk.weightT), 1))); // [rows]
      for (let r = 0; r < rows; r++) logSumExp[r] = logAddExp(logSumExp[r], chunkLse[r]);
    }
    h.dispose();
    // The target's logit is one dot product with its embedding row: no need to keep the logits.
    const out = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      const row = targets[r] * Dw;
      let dot = 0;
      for (let c = 0; c < Dw; c++) dot += headIn[r * Dw + c] * this.embedTokens[row + c];
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
    const norm = (n: LayerNormParams): LayerNormParams => ({ weight: n.weight && n.weight.slice(), bias: n.bias && n.bias.slice() });
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
  }

  private uploadLayer(layer: OptLayerWeights): CpuLayer {
    const tf = this.tf;
    return {
      selfAttnLayerNorm: layer.selfAttnLayerNorm,
      qProj: uploadLinear(tf, layer.qProj),
      kProj: uploadLinear(tf, layer.kProj),
      vProj: uploadLinear(tf, layer.vProj),
      outProj: uploadLinear(tf, layer.outProj),
      finalLayerNorm: layer.finalLayerNorm,
      fc1: uploadLinear(tf, layer.fc1),
      fc2: uploadLinear(tf, layer.fc2),
    };
  }

  private disposeLayer(layer: CpuLayer): void {
    for (const linear of [layer.qProj, layer.kProj, layer.vProj, layer.outProj, layer.fc1, layer.fc2]) disposeLinear(linear);
  }
}

/** [queryLen, keyLen]: 0 where query i may see key j (j ≤ keyLen − queryLen + i), a large negative elsewhere. */
function causalMask(tf: Tf, queryLen: number, keyLen: number): TfCore.Tensor2D {
  const mask = new Float32Array(queryLen * keyLen);
  for (let i = 0; i < queryLen; i++) for (let j = keyLen - queryLen + i + 1; j < keyLen; j++) mask[i * keyLen + j] = MASKED_SCORE;
  return tf.tensor2d(mask, [queryLen, keyLen]);
}

function addInPlace(target: Float32Array, source: Float32Array): Float32Array {
  for (let i = 0; i < target.length; i++) target[i] += source[i];
  return target;
}

function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const max = Math.max(a, b);
  return max + Math.log(Math.exp(a - max) + Math.exp(b - max));
}

