import { matmulCpu } from '../../linalg/matmul.ts';
import { LAYER_NORM_EPS, valueHeadOffsets, type OptConfig } from '../../opt/config.ts';
import { attentionCpu } from '../../opt/ops/attention.ts';
import { addPositionsCpu, gatherRowsCpu } from '../../opt/ops/embedding.ts';
import type { Linear } from '../../opt/weights.ts';

/**
 * An OPT model after SliceGPT (Ashkboos et al. 2024, "SliceGPT: Compress Large Language Models by
 * Deleting Rows and Columns"; see sliceGpt.ts for how it is made). Its residual stream is `slicedDim`
 * wide (≤ hidden_size) and lives in a different orthonormal basis before each block, so every
 * residual connection carries a shortcut matrix that changes basis:
 *
 *   x ← E'[ids] + P'[positions]                                         [T, d']
 *   per layer:  x ← x · S_attn + out_proj(attention(q, k, v of RMSN(x)))   (block input basis → MLP basis)
 *               x ← x · S_mlp  + fc2(ReLU(fc1(RMSN(x))))                  (MLP basis → next block's)
 *   logits = RMSN(x) · W_headᵀ + b_head
 *
 * RMSN(x) = x / √(Σ_j x_j² / d + ε) with d the ORIGINAL hidden size (SliceGPT's RMSN divides by the
 * unsliced width: the deleted directions carried little of ‖x‖², so the norm barely moves). The
 * LayerNorms' scale and shift live inside the adjacent linear layers, which is why the norms here have
 * no parameters and every linear layer has a bias, and why the LM head is no longer tied to the token
 * table (it carries the final norm's scale, the last rotation and a bias E·β).
 *
 * Heads, head_dim, FFN widths, vocabulary and positions are those of `config` (the source model).
 */
export interface SlicedOptLayer {
  /** [d', d']: the residual in the attention-input basis → the MLP-input basis (Q_attnᵀ Q_mlp, sliced). */
  attnShortcut: Float32Array;
  qProj: Linear; // [H, d']
  kProj: Linear; // [H, d']
  vProj: Linear; // [vDim, d']
  outProj: Linear; // [d', vDim]
  /** [d', d']: the residual in the MLP-input basis → the next block's input basis. */
  mlpShortcut: Float32Array;
  fc1: Linear; // [F, d']
  fc2: Linear; // [d', F]
}

export interface SlicedOptModel {
  config: OptConfig;
  slicedDim: number;
  embedTokens: Float32Array; // [vocab, d']
  embedPositions: Float32Array; // [maxPositions + 2, d']
  lmHead: Float32Array; // [vocab, d']
  lmHeadBias: Float32Array; // [vocab]
  layers: SlicedOptLayer[];
}

export function linearForward(x: Float32Array, rows: number, layer: Linear): Float32Array {
  if (layer.outFeatures === 0) return new Float32Array(0);
  if (layer.inFeatures === 0) {
    const out = new Float32Array(rows * layer.outFeatures);
    if (layer.bias) for (let r = 0; r < rows; r++) out.set(layer.bias, r * layer.outFeatures);
    return out;
  }
  return matmulCpu(x, layer.weight, { m: rows, n: layer.outFeatures, k: layer.inFeatures, transB: true }, layer.bias ?? undefined); // x · Wᵀ + b
}

/** SliceGPT's parameter-free RMSN over rows of x [rows, width], dividing Σx² by `divisor` (the unsliced width). */
export function rmsNormRows(x: Float32Array, rows: number, width: number, divisor: number): Float32Array {
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    let sumSq = 0;
    for (let c = 0; c < width; c++) sumSq += x[r * width + c] ** 2;
    const scale = 1 / Math.sqrt(sumSq / divisor + LAYER_NORM_EPS);
    for (let c = 0; c < width; c++) out[r * width + c] = x[r * width + c] * scale;
  }
  return out;
}

export function addInPlace(target: Float32Array, source: Float32Array): Float32Array {
  for (let i = 0; i < target.length; i++) target[i] += source[i];
  return target;
}

/** x [rows, a] · S [a, b]. */
export function changeBasis(x: Float32Array, rows: number, shortcut: Float32Array, a: number, b: number): Float32Array {
  return matmulCpu(x, shortcut, { m: rows, n: b, k: a });
}

/** The attention block's output (out_proj applied, no residual) on normed inputs h [T, d']. */
export function slicedAttention(model: SlicedOptModel, l: number, h: Float32Array, T: number, outProj: Linear = model.layers[l].outProj): Float32Array {
  const { config } = model;
  const layer = model.layers[l];
  const context = attentionCpu(linearForward(h, T, layer.qProj), linearForward(h, T, layer.kProj), linearForward(h, T, layer.vProj), {
    batch: 1,
    queryLen: T,
    keyLen: T,
    numHeads: config.numHeads,
    headDim: config.headDim,
    vOffsets: valueHeadOffsets(config, l),
    scale: 1 / Math.sqrt(config.headDim),
  }); // [T, vDim]
  return linearForward(context, T, outProj);
}

/** The FFN block's output (no residual) on normed inputs h. */
export function slicedFeedForward(layer: SlicedOptLayer, h: Float32Array, T: number, fc2: Linear = layer.fc2): Float32Array {
  const f = linearForward(h, T, layer.fc1).map((v) => Math.max(0, v)); // [T, F]
  return linearForward(f, T, fc2);
}

export function slicedEmbed(model: SlicedOptModel, ids: Int32Array): Float32Array {
  const x = gatherRowsCpu(model.embedTokens, model.slicedDim, ids); // [T, d']
  return addPositionsCpu(x, model.embedPositions, { batch: 1, seqLen: ids.length, width: model.slicedDim, positionOffset: 0 });
}

/** Logits [T, vocab] of one sequence (the reference forward of a sliced model; float64 sums). */
export function slicedLogits(model: SlicedOptModel, ids: Int32Array): Float32Array {
  const T = ids.length;
  const D = model.slicedDim;
  const divisor = model.config.hiddenSize;
  let x = slicedEmbed(model, ids);
  model.layers.forEach((layer, l) => {
    x = addInPlace(changeBasis(x, T, layer.attnShortcut, D, D), slicedAttention(model, l, rmsNormRows(x, T, D, divisor), T)); // [T, d']
    x = addInPlace(changeBasis(x, T, layer.mlpShortcut, D, D), slicedFeedForward(layer, rmsNormRows(x, T, D, divisor), T)); // [T, d']
  });
  return matmulCpu(rmsNormRows(x, T, D, divisor), model.lmHead, { m: T, n: model.config.vocabSize, k: D, transB: true }, model.lmHeadBias); // [T, vocab]
}

/**
 * Parameters of a sliced model: `blocks` are the decoder layers (shortcuts included), `embeddings` the
 * token and position tables, `head` the untied LM head and its bias.
 */
export function slicedParameterCounts(model: SlicedOptModel): { blocks: number; shortcuts: number; embeddings: number; head: number; total: number } {
  const linear = (l: Linear) => l.weight.length + (l.bias?.length ?? 0);
  let blocks = 0;
  let shortcuts = 0;
  for (const layer of model.layers) {
    shortcuts += layer.attnShortcut.length + layer.mlpShortcut.length;
    blocks += [layer.qProj, layer.kProj, layer.vProj, layer.outProj, layer.fc1, layer.fc2].reduce((sum, l) => sum + linear(l), 0);
  }
  blocks += shortcuts;
  const embeddings = model.embedTokens.length + model.embedPositions.length;
  const head = model.lmHead.length + model.lmHeadBias.length;
  return { blocks, shortcuts, embeddings, head, total: blocks + embeddings + head };
}
