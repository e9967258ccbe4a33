import { parseOptConfig, type OptConfig } from '../src/lib/opt/config.ts';

/**
 * The models bench:opt measures, and the dense products one forward pass of T tokens performs
 * (what "tfjs-wasm doing the same matmuls" multiplies on its own, as the reference time).
 */
export const OPT_125M_CONFIG = {
  vocab_size: 50272,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  ffn_dim: 3072,
  max_position_embeddings: 2048,
  do_layer_norm_before: true,
  word_embed_proj_dim: 768,
};

export function opt125mConfig(): OptConfig {
  return parseOptConfig(OPT_125M_CONFIG);
}

/** [m, k, n] of every matmul in a forward pass of `tokens` tokens (batch 1), with repeat counts. */
export function forwardMatmuls(config: OptConfig, tokens: number): { m: number; k: number; n: number; count: number }[] {
  const H = config.hiddenSize;
  const shapes: { m: number; k: number; n: number; count: number }[] = [];
  for (let l = 0; l < config.numLayers; l++) {
    shapes.push({ m: tokens, k: H, n: H, count: 2 }); // q, k
    shapes.push({ m: tokens, k: H, n: config.vDims[l], count: 1 }); // v
    shapes.push({ m: tokens, k: config.vDims[l], n: H, count: 1 }); // out_proj
    shapes.push({ m: tokens, k: H, n: config.ffnDims[l], count: 1 }); // fc1
    shapes.push({ m: tokens, k: config.ffnDims[l], n: H, count: 1 }); // fc2
    shapes.push({ m: tokens, k: config.headDim, n: tokens, count: config.numHeads }); // scores
    shapes.push({ m: tokens, k: tokens, n: config.headDim, count: config.numHeads }); // probabilities · values
  }
  shapes.push({ m: tokens, k: config.wordEmbedProjDim, n: config.vocabSize, count: 1 }); // LM head
  return shapes;
}

export function forwardFlops(config: OptConfig, tokens: number): number {
  return forwardMatmuls(config, tokens).reduce((sum, s) => sum + 2 * s.m * s.k * s.n * s.count, 0);
}

/**
 * The dense products of each CpuOptRuntime phase in one forward pass of `tokens` tokens (batch 1) with
 * logits at every position, as the runtime issues them (attention per head; the LM head in chunks of
 * `headChunkRows` vocabulary rows): what bench:opt times alone to compare with each phase's wall time.
 */
export function phaseMatmuls(config: OptConfig, tokens: number, headChunkRows: number): Map<string, { m: number; k: number; n: number; count: number }[]> {
  const H = config.hiddenSize;
  const phases = new Map<string, { m: number; k: number; n: number; count: number }[]>();
  const add = (phase: string, shape: { m: number; k: number; n: number; count: number }) => {
    if (shape.m > 0 && shape.k > 0 && shape.n > 0 && shape.count > 0) phases.set(phase, [...(phases.get(phase) ?? []), shape]);
  };
  if (config.wordEmbedProjDim !== H) add('embed', { m: tokens, k: config.wordEmbedProjDim, n: H, count: 1 });
  for (let l = 0; l < config.numLayers; l++) {
    add('q/k/v', { m: tokens, k: H, n: H, count: 1 }); // q and k: two weights, not one used twice (a weight reused at once sits in cache)
    add('q/k/v', { m: tokens, k: H, n: H, count: 1 });
    add('q/k/v', { m: tokens, k: H, n: config.vDims[l], count: 1 });
    add('attention: products + softmax', { m: tokens, k: config.headDim, n: tokens, count: config.numHeads });
    add('attention: products + softmax', { m: tokens, k: tokens, n: config.vDims[l] / config.numHeads, count: config.numHeads });
    add('out_proj', { m: tokens, k: config.vDims[l], n: H, count: 1 });
    add('fc1', { m: tokens, k: H, n: config.ffnDims[l], count: 1 });
    add('fc2', { m: tokens, k: config.ffnDims[l], n: H, count: 1 });
  }
  for (let start = 0; start < config.vocabSize; start += headChunkRows) {
    add('LM head', { m: tokens, k: config.wordEmbedProjDim, n: Math.min(headChunkRows, config.vocabSize - start), count: 1 });
  }
  return phases;
}
