import type { OptConfig } from '../opt/config.ts';
import { hasFinalLayerNorm, hasProjections, POSITION_OFFSET } from '../opt/config.ts';
import { WEIGHT_BYTES, type WeightPrecision } from '../util/half.ts';
import { keepCountFor } from './topK.ts';

/**
 * GPU memory of the GPU-resident pruning pipeline (pruneModel.ts with gpuPruneKernels) on an OPT model,
 * term by term, in bytes (f32 everywhere, except the weight matrices with `weightPrecision: 'f16'`: the
 * runtime then stores the linears and the token embedding as halves, 2 bytes each). What lives at once, at the worst moment (layer l's FFN
 * restoration, with the next batch's layer temporaries still in the pool):
 *
 *   weights        every parameter, resident (the runtime uploads the whole model)
 *   swapped layer  one pruned layer uploaded while the dense one is still there (≤ one layer's weights)
 *   hidden         the hidden states of every calibration token, carried from layer to layer: T·H,
 *                  plus one batch's output during propagation (b·H); calibration streams in batches
 *                  of b tokens, so this is the only term that grows with T
 *   temporaries    one batch through one layer: ≈ b·(5H + F + 2V) (q, k, v, attention output, fc1
 *                  output and the residual stream; released buffers stay pooled for the next batch)
 *   statistics     both groups' Gram and column sums: F² + V² + 2(F + V)
 *   restoration    the FFN group (the larger): G_KK + λI and its copy 2k², G_DK (n−k)·k, W and its
 *                  column blocks H·(2n), M = W_D G_DK, its copy and Z·A 3H·k, panels 32·(n + H),
 *                  sort keys and indices 2P (P = n rounded up to a power of two), scores and index sets 4n
 *
 * A planning estimate, checked against the bench's buffer ledger (bench/node/prune.node.ts) on a GPU.
 */
export interface GpuPrunePlanInput {
  config: OptConfig;
  /** Calibration tokens in all (windows × sequence length). */
  calibrationTokens: number;
  /** Tokens per batch through the model (pruneModel's `tokensPerBatch`, rounded down to whole windows). */
  batchTokens: number;
  sparsity: number;
  /** Storage of the weight matrices (GpuOptRuntime's weightPrecision); default f32. */
  weightPrecision?: WeightPrecision;
}

export interface GpuPrunePlan {
  terms: { name: string; bytes: number }[];
  totalBytes: number;
}

const F32 = 4;

/** Parameters of an OPT config (all layers at their current widths, the tied head counted once). */
export function optParameterTotal(config: OptConfig): number {
  const { hiddenSize: H, wordEmbedProjDim: Dw, vocabSize, maxPositions, numLayers } = config;
  let total = vocabSize * Dw + (maxPositions + POSITION_OFFSET) * H;
  if (hasProjections(config)) total += 2 * H * Dw;
  const norm = config.layerNormAffine ? 2 * H : 0;
  if (hasFinalLayerNorm(config)) total += norm;
  for (let l = 0; l < numLayers; l++) total += optLayerParameters(config, l);
  return total;
}

/** Parameters held in weight matrices (the runtime's weightPrecision): the token table and every linear's W. */
export function optMatrixParameterTotal(config: OptConfig): number {
  const { hiddenSize: H, wordEmbedProjDim: Dw, vocabSize, numLayers } = config;
  let total = vocabSize * Dw + (hasProjections(config) ? 2 * H * Dw : 0);
  for (let l = 0; l < numLayers; l++) total += optLayerMatrixParameters(config, l);
  return total;
}

/** Parameters of decoder layer l's weight matrices (q, k, v, out, fc1, fc2). */
export function optLayerMatrixParameters(config: OptConfig, l: number): number {
  const H = config.hiddenSize;
  return 2 * H * H + 2 * config.vDims[l] * H + 2 * config.ffnDims[l] * H;
}

/** Parameters of decoder layer l (its linears, biases and layer norms). */
export function optLayerParameters(config: OptConfig, l: number): number {
  const H = config.hiddenSize;
  const V = config.vDims[l];
  const F = config.ffnDims[l];
  const bias = (n: number) => (config.enableBias ? n : 0);
  const norm = config.layerNormAffine ? 2 * H : 0;
  return 2 * (H * H + bias(H)) + (V * H + bias(V)) + (H * V + bias(H)) + (F * H + bias(F)) + (H * F + bias(H)) + 2 * norm;
}

export function gpuPruneMemoryPlan(input: GpuPrunePlanInput): GpuPrunePlan {
  const { config, calibrationTokens: T, batchTokens: b, sparsity } = input;
  if (!(T >= 1) || !(b >= 1)) throw new RangeError(`memory plan: needs calibration tokens and a batch size ≥ 1, got ${T} and ${b}`);
  const H = config.hiddenSize;
  const F = Math.max(...config.ffnDims);
  const V = Math.max(...config.vDims);
  const n = F;
  const k = keepCountFor(n, sparsity);
  const padded = 2 ** Math.ceil(Math.log2(Math.max(1, n)));
  const matrixBytes = WEIGHT_BYTES[input.weightPrecision ?? 'f32'];
  // Matrices at their storage precision, every other parameter (biases, norms, positions) in f32.
  const bytesOf = (all: number, matrices: number) => matrices * matrixBytes + (all - matrices) * F32;
  const largestLayer = Math.max(...config.ffnDims.map((_, l) => bytesOf(optLayerParameters(config, l), optLayerMatrixParameters(config, l))));
  const terms = [
    { name: 'weights', bytes: bytesOf(optParameterTotal(config), optMatrixParameterTotal(config)) },
    { name: 'swapped layer', bytes: largestLayer },
    { name: 'hidden states', bytes: (T + Math.min(b, T)) * H * F32 },
    { name: 'layer temporaries', bytes: Math.min(b, T) * (5 * H + F + 2 * V) * F32 },
    { name: 'statistics', bytes: (F * F + V * V + 2 * (F + V)) * F32 },
    { name: 'restoration', bytes: (2 * k * k + (n - k) * k + 2 * H * n + 3 * H * k + 32 * (n + H) + 2 * padded + 4 * n) * F32 },
  ];
  return { terms, totalBytes: terms.reduce((sum, term) => sum + term.bytes, 0) };
}
