import { matmulCpu } from '../linalg/matmul.ts';
import { Rng } from '../util/random.ts';
import type { LayerRunner, RunLayerOptions } from './layerRunner.ts';
import type { PrunableLayer } from './structure.ts';

/**
 * A small seeded decoder with OPT's layer structure (pre-LayerNorm, ReLU FFN, learned positions, tied
 * LM head), on the CPU: the test and benchmark stand-in for the OPT runtime, implementing LayerRunner.
 * Its attention takes per-head value widths, as a pruned OPT's must.
 */
export interface TinyDecoderConfig {
  vocabSize: number;
  hiddenSize: number; // d
  numHeads: number; // H; q/k head size d / H
  ffnDim: number; // F
  numLayers: number;
  maxPositions: number;
  seed: number;
}

interface Linear {
  weight: Float32Array; // [out, in]
  bias: Float32Array; // [out]
}

interface LayerNorm {
  gamma: Float32Array; // [d]
  beta: Float32Array; // [d]
}

interface DecoderLayer {
  attnNorm: LayerNorm;
  q: Linear; // [d, d]
  k: Linear; // [d, d]
  groups: PrunableLayer; // v_proj/out_proj and fc1/fc2
  ffnNorm: LayerNorm;
}

const LN_EPS = 1e-5;

export class TinyDecoder implements LayerRunner<Float32Array> {
  readonly numLayers: number;
  readonly headDim: number;
  private readonly tokenEmbedding: Float32Array; // [vocab, d]
  private readonly positionEmbedding: Float32Array; // [maxPositions, d]
  private readonly layers: DecoderLayer[];
  private readonly finalNorm: LayerNorm;

  constructor(readonly config: TinyDecoderConfig) {
    const { vocabSize, hiddenSize: d, numHeads, ffnDim: F, numLayers, maxPositions, seed } = config;
    if (d % numHeads !== 0) throw new RangeError(`tiny decoder: hidden size ${d} is not a multiple of ${numHeads} heads`);
    const rng = new Rng(seed);
    const normal = (length: number, std: number) => rng.fillNormal(new Float32Array(length), std);
    const linear = (out: number, inp: number): Linear => ({ weight: normal(out * inp, 1 / Math.sqrt(inp)), bias: normal(out, 0.02) });
    const norm = (): LayerNorm => ({ gamma: Float32Array.from({ length: d }, () => 1 + 0.1 * rng.normal()), beta: normal(d, 0.05) });
    this.numLayers = numLayers;
    this.headDim = d / numHeads;
    this.tokenEmbedding = normal(vocabSize * d, 1);
    this.positionEmbedding = normal(maxPositions * d, 0.3);
    this.layers = Array.from({ length: numLayers }, () => {
      const v = linear(d, d);
      const out = linear(d, d);
      const fc1 = linear(F, d);
      const fc2 = linear(d, F);
      return {
        attnNorm: norm(),
        q: linear(d, d),
        k: linear(d, d),
        groups: {
          attention: { width: d, hiddenSize: d, producerWeight: v.weight, producerBias: v.bias, consumerWeight: out.weight, consumerBias: out.bias, vHeadDims: Array(numHeads).fill(this.headDim) },
          ffn: { width: F, hiddenSize: d, producerWeight: fc1.weight, producerBias: fc1.bias, consumerWeight: fc2.weight, consumerBias: fc2.bias },
        },
        ffnNorm: norm(),
      };
    });
    this.finalNorm = norm();
  }

  async embed(tokens: Int32Array): Promise<Float32Array> {
    const { hiddenSize: d, vocabSize, maxPositions } = this.config;
    if (tokens.length > maxPositions) throw new RangeError(`tiny decoder: ${tokens.length} tokens exceed ${maxPositions} positions`);
    const x = new Float32Array(tokens.length * d); // [T, d]
    tokens.forEach((token, t) => {
      if (token < 0 || token >= vocabSize) throw new RangeError(`tiny decoder: token ${token} outside the vocabulary`);
      for (let c = 0; c < d; c++) x[t * d + c] = this.tokenEmbedding[token * d + c] + this.positionEmbedding[t * d + c];
    });
    return x;
  }

  async getLayer(layer: number): Promise<PrunableLayer> {
    return this.layers[layer].groups;
  }

  async setLayer(layer: number, weights: PrunableLayer): Promise<void> {
    this.layers[layer].groups = weights;
  }

  async runLayer(layer: number, hidden: Float32Array, options: RunLayerOptions<Float32Array> = {}): Promise<Float32Array> {
    const { hiddenSize: d } = this.config;
    const T = hidden.length / d;
    const block = this.layers[layer];
    const { attention, ffn } = options.weights ?? block.groups;

    // Attention: q, k whole; values per head with that head's (possibly pruned) width.
    const h = layerNorm(hidden, T, d, block.attnNorm); // [T, d]
    const q = matmulCpu(h, block.q.weight, { m: T, n: d, k: d, transB: true }, block.q.bias); // [T, d]
    const k = matmulCpu(h, block.k.weight, { m: T, n: d, k: d, transB: true }, block.k.bias); // [T, d]
    const V = attention.width;
    const v = V > 0 ? matmulCpu(h, attention.producerWeight, { m: T, n: V, k: d, transB: true }, attention.producerBias) : new Float32Array(0); // [T, V]
    const attended = causalAttention(q, k, v, { T, headDim: this.headDim, vHeadDims: attention.vHeadDims }); // [T, V]
    await options.capture?.outProjInput?.(attended, T);
    const afterAttention = addLinear(hidden, attended, { weight: attention.consumerWeight, bias: attention.consumerBias }, T, d, V);

    // FFN: ReLU(fc1(LN(x))) → fc2.
    const F = ffn.width;
    const h2 = layerNorm(afterAttention, T, d, block.ffnNorm);
    const f = F > 0 ? matmulCpu(h2, ffn.producerWeight, { m: T, n: F, k: d, transB: true }, ffn.producerBias) : new Float32Array(0); // [T, F]
    for (let i = 0; i < f.length; i++) f[i] = Math.max(0, f[i]);
    await options.capture?.fc2Input?.(f, T);
    return addLinear(afterAttention, f, { weight: ffn.consumerWeight, bias: ffn.consumerBias }, T, d, F);
  }

  /** Next-token logits [T, vocab] of a window through every layer (tied LM head). */
  async logits(tokens: Int32Array): Promise<Float32Array> {
    const { hiddenSize: d, vocabSize } = this.config;
    let x = await this.embed(tokens);
    for (let l = 0; l < this.numLayers; l++) x = await this.runLayer(l, x);
    const h = layerNorm(x, tokens.length, d, this.finalNorm);
    return matmulCpu(h, this.tokenEmbedding, { m: tokens.length, n: vocabSize, k: d, transB: true });
  }
}

/** residual + input · Wᵀ + b, for a consumer with `inWidth` inputs (with none, only the bias is left). */
function addLinear(residual: Float32Array, input: Float32Array, linear: Linear, T: number, d: number, inWidth: number): Float32Array {
  const out = inWidth > 0
    ? matmulCpu(input, linear.weight, { m: T, n: d, k: inWidth, transB: true }, linear.bias) // [T, d]
    : Float32Array.from({ length: T * d }, (_, i) => linear.bias[i % d]);
  for (let i = 0; i < out.length; i++) out[i] += residual[i];
  return out;
}

function layerNorm(x: Float32Array, T: number, d: number, { gamma, beta }: LayerNorm): Float32Array {
  const out = new Float32Array(T * d);
  for (let t = 0; t < T; t++) {
    let mean = 0;
    for (let c = 0; c < d; c++) mean += x[t * d + c];
    mean /= d;
    let variance = 0;
    for (let c = 0; c < d; c++) variance += (x[t * d + c] - mean) ** 2;
    const inv = 1 / Math.sqrt(variance / d + LN_EPS);
    for (let c = 0; c < d; c++) out[t * d + c] = (x[t * d + c] - mean) * inv * gamma[c] + beta[c];
  }
  return out;
}

/**
 * Causal softmax attention; head h's probabilities come from its q/k slice (headDim wide) and weight
 * its own value channels, of which there are vHeadDims[h] (laid out head by head).
 */
function causalAttention(q: Float32Array, k: Float32Array, v: Float32Array, shape: { T: number; headDim: number; vHeadDims: number[] }): Float32Array {
  const { T, headDim, vHeadDims } = shape;
  const dQK = headDim * vHeadDims.length;
  const V = vHeadDims.reduce((a, b) => a + b, 0);
  const out = new Float32Array(T * V); // [T, V]
  const p = new Float64Array(T);
  const scale = 1 / Math.sqrt(headDim);
  let vStart = 0;
  vHeadDims.forEach((vDims, head) => {
    const qk = head * headDim;
    for (let t = 0; t < T; t++) {
      let max = -Infinity;
      for (let s = 0; s <= t; s++) {
        let dot = 0;
        for (let c = 0; c < headDim; c++) dot += q[t * dQK + qk + c] * k[s * dQK + qk + c];
        p[s] = dot * scale;
        max = Math.max(max, p[s]);
      }
      let sum = 0;
      for (let s = 0; s <= t; s++) sum += p[s] = Math.exp(p[s] - max);
      for (let c = 0; c < vDims; c++) {
        let acc = 0;
        for (let s = 0; s <= t; s++) acc += p[s] * v[s * V + vStart + c];
        out[t * V + vStart + c] = acc / sum;
      }
    }
    vStart += vDims;
  });
  return out;
}
