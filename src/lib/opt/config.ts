import { InputError } from '../errors.ts';

/**
 * The OPT family's `config.json` (Zhang et al. 2022; HF `OPTConfig`), parsed and checked once, with
 * the per-layer widths our pruned exports add.
 *
 * Pruned widths (written by the structured-pruning module, read here so pruned models load):
 * - `"ffn_dims": [d₀, d₁, …]` — kept FFN width per layer: fc1 has dₗ rows, fc2 has dₗ columns.
 * - `"v_head_dims": [[v₀₀, v₀₁, …], …]` — kept value channels per head, per layer. v_proj's rows and
 *   out_proj's columns are ordered head by head, so head h's channels are the contiguous block after
 *   the channels of heads < h. A head may keep 0 value channels (it then contributes nothing).
 * - `"v_dims": [Σₕ v₀ₕ, …]` — the per-layer sums, for people reading the file; checked if present.
 * When absent, every layer has `ffn_dim` and every head `hidden_size / num_attention_heads` value
 * channels. q_proj and k_proj always keep the full head_dim (the attention scores are not pruned).
 */
export interface OptConfig {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  /** hidden_size / num_attention_heads: width of each head's queries and keys. */
  headDim: number;
  /** Unpruned FFN width (`ffn_dim`). */
  ffnDim: number;
  /** Positions the model was trained for; the position table has 2 more rows (OPT's offset). */
  maxPositions: number;
  /** Pre-LN (125m and most sizes) or post-LN (350m). Pre-LN models also have a final layer norm. */
  doLayerNormBefore: boolean;
  /** Width of the token embedding; ≠ hidden_size means project_in/project_out exist (350m). */
  wordEmbedProjDim: number;
  layerNormAffine: boolean;
  enableBias: boolean;
  padTokenId: number;
  bosTokenId: number;
  eosTokenId: number;
  /** FFN width per layer (fc1 rows = fc2 columns). */
  ffnDims: number[];
  /** Value channels per head, per layer. */
  vHeadDims: number[][];
  /** Σ of vHeadDims per layer: v_proj rows = out_proj columns. */
  vDims: number[];
}

/** LayerNorm epsilon of every OPT checkpoint (torch's default). */
export const LAYER_NORM_EPS = 1e-5;
/** OPT's learned positions are looked up at position + 2 (a fairseq legacy). */
export const POSITION_OFFSET = 2;

export function hasFinalLayerNorm(config: OptConfig): boolean {
  return config.doLayerNormBefore;
}

export function hasProjections(config: OptConfig): boolean {
  return config.wordEmbedProjDim !== config.hiddenSize;
}

/** Offsets of each head's value block within v_proj's rows: [0, v₀, v₀+v₁, …, vDim]. */
export function valueHeadOffsets(config: OptConfig, layer: number): number[] {
  const offsets = [0];
  for (const width of config.vHeadDims[layer]) offsets.push(offsets[offsets.length - 1] + width);
  return offsets;
}

/**
 * Sizes beyond any OPT checkpoint (OPT-175B: 96 layers, hidden 12288, 50272 tokens, 2048 positions),
 * with room to spare; they stop a hostile config.json before anything is allocated. The weights
 * then bound the sizes exactly (`checkConfigFitsWeights`).
 */
const MAX_SIZES: Record<string, number> = {
  num_hidden_layers: 1024,
  hidden_size: 1 << 17,
  num_attention_heads: 1 << 12,
  ffn_dim: 1 << 20,
  word_embed_proj_dim: 1 << 17,
  vocab_size: 1 << 22,
  max_position_embeddings: 1 << 20,
};
/** 2³⁸ ≈ 275 G parameters: more than OPT-175B, less than anything a browser or this CLI could hold. */
const MAX_PARAMETERS = 2 ** 38;

export function parseOptConfig(json: unknown, fileName = 'config.json'): OptConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new InputError(`${fileName} is not a JSON object`, 'expected an OPT config.json from the Hugging Face hub');
  }
  const raw = json as Record<string, unknown>;
  const field = (name: string, expected: string) => new InputError(`${fileName}: "${name}" must be ${expected}, got ${JSON.stringify(raw[name])}`);
  const int = (name: string, fallback?: number, min = 1): number => {
    const value = raw[name] ?? fallback;
    const max = MAX_SIZES[name] ?? Number.MAX_SAFE_INTEGER;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw field(name, max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`);
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const value = raw[name] ?? fallback;
    if (typeof value !== 'boolean') throw field(name, 'true or false');
    return value;
  };
  if (raw.model_type !== undefined && raw.model_type !== 'opt') {
    throw new InputError(`${fileName}: model_type is "${String(raw.model_type)}", expected "opt"`, 'this runtime implements the OPT architecture only');
  }
  const activation = raw.activation_function ?? 'relu';
  if (activation !== 'relu') throw field('activation_function', '"relu" (the only activation OPT checkpoints use)');

  const hiddenSize = int('hidden_size', 768);
  const numHeads = int('num_attention_heads', 12);
  if (hiddenSize % numHeads !== 0) {
    throw new InputError(`${fileName}: hidden_size ${hiddenSize} is not divisible by num_attention_heads ${numHeads}`);
  }
  const headDim = hiddenSize / numHeads;
  const numLayers = int('num_hidden_layers', 12);
  const ffnDim = int('ffn_dim', 3072);
  const wordEmbedProjDim = raw.word_embed_proj_dim === null ? hiddenSize : int('word_embed_proj_dim', hiddenSize);
  const vocabSize = int('vocab_size', 50272);
  const maxPositions = int('max_position_embeddings', 2048);
  // Every layer has q_proj and k_proj at full width whatever the pruning: a floor on the parameters.
  const parameterFloor = vocabSize * wordEmbedProjDim + (maxPositions + POSITION_OFFSET) * hiddenSize + numLayers * 2 * hiddenSize * hiddenSize;
  if (parameterFloor > MAX_PARAMETERS) {
    throw new InputError(
      `${fileName}: the sizes imply at least ${parameterFloor.toExponential(2)} parameters, more than any model this app can hold`,
      'check num_hidden_layers, hidden_size, vocab_size and max_position_embeddings',
    );
  }

  const tokenId = (name: string, fallback: number): number => {
    const value = int(name, fallback, 0);
    if (value >= vocabSize) throw field(name, `a token id below vocab_size ${vocabSize}`);
    return value;
  };
  const ffnDims = perLayerWidths(raw.ffn_dims, numLayers, ffnDim, fileName);
  const vHeadDims = perHeadWidths(raw.v_head_dims, numLayers, numHeads, headDim, fileName);
  const vDims = vHeadDims.map((widths) => widths.reduce((a, b) => a + b, 0));
  if (raw.v_dims !== undefined) {
    const declared = perLayerWidths(raw.v_dims, numLayers, 0, fileName, 'v_dims');
    declared.forEach((value, layer) => {
      if (value !== vDims[layer]) {
        throw new InputError(`${fileName}: v_dims[${layer}] is ${value} but v_head_dims[${layer}] sums to ${vDims[layer]}`);
      }
    });
  }
  return {
    vocabSize,
    hiddenSize,
    numLayers,
    numHeads,
    headDim,
    ffnDim,
    maxPositions,
    doLayerNormBefore: bool('do_layer_norm_before', true),
    wordEmbedProjDim,
    layerNormAffine: bool('layer_norm_elementwise_affine', true),
    enableBias: bool('enable_bias', true),
    padTokenId: tokenId('pad_token_id', 1),
    bosTokenId: tokenId('bos_token_id', 2),
    eosTokenId: tokenId('eos_token_id', 2),
    ffnDims,
    vHeadDims,
    vDims,
  };
}

function perLayerWidths(value: unknown, numLayers: number, fallback: number, fileName: string, name = 'ffn_dims'): number[] {
  if (value === undefined || value === null) return new Array<number>(numLayers).fill(fallback);
  if (!Array.isArray(value) || value.length !== numLayers || !value.every((v) => Number.isInteger(v) && v >= 0 && v <= MAX_SIZES.ffn_dim)) {
    throw new InputError(`${fileName}: "${name}" must list ${numLayers} non-negative integers (one per layer)`, `got ${JSON.stringify(value)}`);
  }
  return value as number[];
}

function perHeadWidths(value: unknown, numLayers: number, numHeads: number, headDim: number, fileName: string): number[][] {
  if (value === undefined || value === null) return Array.from({ length: numLayers }, () => new Array<number>(numHeads).fill(headDim));
  const ok =
    Array.isArray(value) &&
    value.length === numLayers &&
    value.every((layer) => Array.isArray(layer) && layer.length === numHeads && layer.every((v) => Number.isInteger(v) && v >= 0 && v <= headDim));
  if (!ok) {
    throw new InputError(
      `${fileName}: "v_head_dims" must list, for each of ${numLayers} layers, ${numHeads} integers in [0, ${headDim}]`,
      `got ${JSON.stringify(value).slice(0, 200)}`,
    );
  }
  return (value as number[][]).map((layer) => [...layer]);
}

/** config.json for a config (pruned widths included when they differ from the defaults). */
export function configToJson(config: OptConfig, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const pruned =
    config.ffnDims.some((d) => d !== config.ffnDim) || config.vHeadDims.some((layer) => layer.some((v) => v !== config.headDim));
  return {
    architectures: ['OPTForCausalLM'],
    model_type: 'opt',
    activation_function: 'relu',
    vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize,
    num_hidden_layers: config.numLayers,
    num_attention_heads: config.numHeads,
    ffn_dim: config.ffnDim,
    max_position_embeddings: config.maxPositions,
    do_layer_norm_before: config.doLayerNormBefore,
    word_embed_proj_dim: config.wordEmbedProjDim,
    layer_norm_elementwise_affine: config.layerNormAffine,
    enable_bias: config.enableBias,
    pad_token_id: config.padTokenId,
    bos_token_id: config.bosTokenId,
    eos_token_id: config.eosTokenId,
    torch_dtype: 'float32',
    ...(pruned ? { ffn_dims: config.ffnDims, v_head_dims: config.vHeadDims, v_dims: config.vDims } : {}),
    ...extra,
  };
}
