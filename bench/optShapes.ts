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
