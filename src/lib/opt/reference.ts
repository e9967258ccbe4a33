import { matmulCpu } from '../linalg/matmul.ts';
import { hasProjections, LAYER_NORM_EPS, valueHeadOffsets, type OptConfig } from './config.ts';
import { attentionCpu } from './ops/attention.ts';
import { addPositionsCpu, gatherRowsCpu } from './ops/embedding.ts';
import { layerNormCpu } from './ops/layerNorm.ts';
import type { LayerNormParams, Linear, OptWeights } from './weights.ts';

/**
 * The naive OPT forward pass, written line by line after HF's `modeling_opt.py` from the kernels' CPU
 * twins (float64 sums, plain loops): the test oracle for the fast CPU path and the WGSL path, never
 * used to serve a page. One sequence, no cache.
 */
function linear(x: Float32Array, rows: number, layer: Linear): Float32Array {
  if (layer.outFeatures === 0) return new Float32Array(0);
  if (layer.inFeatures === 0) {
    const out = new Float32Array(rows * layer.outFeatures);
    if (layer.bias) for (let r = 0; r < rows; r++) out.set(layer.bias, r * layer.outFeatures);
    return out;
  }
  // x [rows, in] · Wᵀ [in, out] + b
  return matmulCpu(x, layer.weight, { m: rows, n: layer.outFeatures, k: layer.inFeatures, transB: true }, layer.bias ?? undefined);
}

function norm(x: Float32Array, rows: number, width: number, params: LayerNormParams): Float32Array {
  return layerNormCpu(x, { rows, width, weight: params.weight, bias: params.bias, eps: LAYER_NORM_EPS });
}

function addInPlace(target: Float32Array, source: Float32Array): Float32Array {
  for (let i = 0; i < target.length; i++) target[i] += source[i];
  return target;
}

/** Logits [T, vocab] for one sequence of token ids. */
export function referenceLogits(config: OptConfig, weights: OptWeights, ids: Int32Array): Float32Array {
  const T = ids.length;
  const H = config.hiddenSize;
  const Dw = config.wordEmbedProjDim;
  let tokens = gatherRowsCpu(weights.embedTokens, Dw, ids); // [T, Dw]
  if (hasProjections(config)) tokens = matmulCpu(tokens, weights.projectIn!, { m: T, n: H, k: Dw, transB: true }); // [T, H]
  let x = addPositionsCpu(tokens, weights.embedPositions, { batch: 1, seqLen: T, width: H, positionOffset: 0 }); // [T, H]

  weights.layers.forEach((layer, l) => {
    // Self-attention block.
    const residual = x;
    let h = config.doLayerNormBefore ? norm(x, T, H, layer.selfAttnLayerNorm) : x;
    const q = linear(h, T, layer.qProj); // [T, H]
    const k = linear(h, T, layer.kProj); // [T, H]
    const v = linear(h, T, layer.vProj); // [T, vDim]
    const context = attentionCpu(q, k, v, {
      batch: 1,
      queryLen: T,
      keyLen: T,
      numHeads: config.numHeads,
      headDim: config.headDim,
      vOffsets: valueHeadOffsets(config, l),
      scale: 1 / Math.sqrt(config.headDim),
    }); // [T, vDim]
    h = addInPlace(linear(context, T, layer.outProj), residual); // [T, H]
    if (!config.doLayerNormBefore) h = norm(h, T, H, layer.selfAttnLayerNorm);

    // Feed-forward block.
    const residual2 = h;
    let f = config.doLayerNormBefore ? norm(h, T, H, layer.finalLayerNorm) : h;
    f = linear(f, T, layer.fc1).map((value) => Math.max(0, value)); // [T, ffn]
    f = addInPlace(linear(f, T, layer.fc2), residual2); // [T, H]
    x = config.doLayerNormBefore ? f : norm(f, T, H, layer.finalLayerNorm);
  });

  if (weights.finalLayerNorm) x = norm(x, T, H, weights.finalLayerNorm);
  if (hasProjections(config)) x = matmulCpu(x, weights.projectOut!, { m: T, n: Dw, k: H, transB: true }); // [T, Dw]
  return matmulCpu(x, weights.embedTokens, { m: T, n: config.vocabSize, k: Dw, transB: true }); // [T, vocab]
}

/** NLL of token t+1 given tokens ≤ t, from logits [T, vocab]: T − 1 values. */
export function nllFromLogits(logits: Float32Array, ids: Int32Array, vocabSize: number): Float32Array {
  const out = new Float32Array(ids.length - 1);
  for (let t = 0; t + 1 < ids.length; t++) {
    const row = logits.subarray(t * vocabSize, (t + 1) * vocabSize);
    let max = -Infinity;
    for (const value of row) max = Math.max(max, value);
    let sum = 0;
    for (const value of row) sum += Math.exp(value - max);
    out[t] = max + Math.log(sum) - row[ids[t + 1]];
  }
  return out;
}
