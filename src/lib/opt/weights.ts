import { InputError } from '../errors.ts';
import { hasFinalLayerNorm, hasProjections, POSITION_OFFSET, type OptConfig } from './config.ts';
import { readTensorF32, type SafetensorsFile, type TensorEntry } from './safetensors.ts';

/**
 * OPT weights on the CPU side, in HF's layout: every matrix row-major [out, in] (a linear layer is
 * y = x·Wᵀ + b), so a pruned export is written back exactly as it was read. `bias` is null when the
 * config has `enable_bias: false`; layer-norm parameters are null without `layer_norm_elementwise_affine`.
 */
export interface Linear {
  /** [outFeatures, inFeatures], row-major. */
  weight: Float32Array;
  bias: Float32Array | null;
  outFeatures: number;
  inFeatures: number;
}

export interface LayerNormParams {
  weight: Float32Array | null;
  bias: Float32Array | null;
}

export interface OptLayerWeights {
  selfAttnLayerNorm: LayerNormParams;
  /** [H, H]: q_proj and k_proj always keep every head's full head_dim. */
  qProj: Linear;
  kProj: Linear;
  /** [vDim, H]: head h's value channels are rows valueHeadOffsets[h]…[h+1]. */
  vProj: Linear;
  /** [H, vDim]. */
  outProj: Linear;
  finalLayerNorm: LayerNormParams;
  /** [ffnDim_l, H]. */
  fc1: Linear;
  /** [H, ffnDim_l]. */
  fc2: Linear;
}

export interface OptWeights {
  /** [vocab, wordEmbedProjDim]; also the (tied) LM head. */
  embedTokens: Float32Array;
  /** [maxPositions + 2, hidden]. */
  embedPositions: Float32Array;
  /** [hidden, wordEmbedProjDim] (no bias), only when wordEmbedProjDim ≠ hidden. */
  projectIn: Float32Array | null;
  /** [wordEmbedProjDim, hidden] (no bias). */
  projectOut: Float32Array | null;
  /** Only for pre-LN models. */
  finalLayerNorm: LayerNormParams | null;
  layers: OptLayerWeights[];
}

/** A tensor the config calls for: its name without the `model.decoder.` prefix, and its shape. */
export interface ExpectedTensor {
  name: string;
  shape: number[];
}

export type LinearName = 'self_attn.q_proj' | 'self_attn.k_proj' | 'self_attn.v_proj' | 'self_attn.out_proj' | 'fc1' | 'fc2';

/** Shape of each linear of layer l as [out, in]. */
export function linearShapes(config: OptConfig, layer: number): Record<LinearName, [number, number]> {
  const h = config.hiddenSize;
  return {
    'self_attn.q_proj': [h, h],
    'self_attn.k_proj': [h, h],
    'self_attn.v_proj': [config.vDims[layer], h],
    'self_attn.out_proj': [h, config.vDims[layer]],
    fc1: [config.ffnDims[layer], h],
    fc2: [h, config.ffnDims[layer]],
  };
}

export function expectedTensors(config: OptConfig): ExpectedTensor[] {
  const h = config.hiddenSize;
  const out: ExpectedTensor[] = [
    { name: 'embed_tokens.weight', shape: [config.vocabSize, config.wordEmbedProjDim] },
    { name: 'embed_positions.weight', shape: [config.maxPositions + POSITION_OFFSET, h] },
  ];
  if (hasProjections(config)) {
    out.push({ name: 'project_in.weight', shape: [h, config.wordEmbedProjDim] });
    out.push({ name: 'project_out.weight', shape: [config.wordEmbedProjDim, h] });
  }
  const norm = (prefix: string) =>
    config.layerNormAffine ? [{ name: `${prefix}.weight`, shape: [h] }, { name: `${prefix}.bias`, shape: [h] }] : [];
  if (hasFinalLayerNorm(config)) out.push(...norm('final_layer_norm'));
  for (let l = 0; l < config.numLayers; l++) {
    out.push(...norm(`layers.${l}.self_attn_layer_norm`));
    for (const [linear, [rows, cols]] of Object.entries(linearShapes(config, l))) {
      out.push({ name: `layers.${l}.${linear}.weight`, shape: [rows, cols] });
      if (config.enableBias) out.push({ name: `layers.${l}.${linear}.bias`, shape: [rows] });
    }
    out.push(...norm(`layers.${l}.final_layer_norm`));
  }
  return out;
}

/** The model's bytes at the narrowest dtype (2 bytes) must fit in the weight files' data: checked before anything is read. */
export function checkConfigFitsWeights(config: OptConfig, files: readonly SafetensorsFile[]): void {
  const available = files.reduce((sum, file) => sum + [...file.tensors.values()].reduce((s, t) => s + t.end - t.begin, 0), 0);
  const needed = 2 * expectedTensors(config).reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
  if (needed > available) {
    throw new InputError(
      `config.json describes a model of at least ${needed} bytes but the weight files hold ${available}`,
      'the weights and config.json do not belong together (check num_hidden_layers, hidden_size, ffn_dim, vocab_size)',
    );
  }
}

const PREFIXES = ['model.decoder.', 'decoder.', ''];

/**
 * Where each expected tensor is stored (HF writes `model.decoder.…`; some exports drop `model.`).
 * Every tensor the config calls for must be there with its shape, and every stored tensor must be
 * used (OPT's tied `lm_head.weight` aside): a config.json that does not match the checkpoint — fewer
 * layers, `enable_bias` or `do_layer_norm_before` flipped — is refused with the tensors it concerns.
 */
export function locateTensors(config: OptConfig, files: readonly SafetensorsFile[]): Map<string, { file: SafetensorsFile; entry: TensorEntry }> {
  checkConfigFitsWeights(config, files);
  const found = new Map<string, { file: SafetensorsFile; entry: TensorEntry }>();
  const used = new Set<TensorEntry>();
  const missing: string[] = [];
  for (const expected of expectedTensors(config)) {
    let hit: { file: SafetensorsFile; entry: TensorEntry } | undefined;
    for (const file of files) {
      for (const prefix of PREFIXES) {
        const entry = file.tensors.get(prefix + expected.name);
        if (entry) hit ??= { file, entry };
      }
    }
    if (!hit) {
      missing.push(expected.name);
      continue;
    }
    if (hit.entry.shape.join(',') !== expected.shape.join(',')) {
      throw new InputError(
        `${hit.file.fileName}: tensor ${hit.entry.name} has shape [${hit.entry.shape}] but config.json implies [${expected.shape}]`,
        'the weights and config.json do not belong together (check hidden_size, ffn_dim, vocab_size and any pruned widths)',
      );
    }
    used.add(hit.entry);
    found.set(expected.name, hit);
  }
  const unused: string[] = [];
  for (const file of files) {
    for (const entry of file.tensors.values()) {
      const tiedHead = /^(model\.)?lm_head\.weight$/.test(entry.name) && entry.shape.join(',') === `${config.vocabSize},${config.wordEmbedProjDim}`;
      if (!used.has(entry) && !tiedHead) unused.push(entry.name);
    }
  }
  if (missing.length > 0 || unused.length > 0) {
    const list = (names: string[]) => `${names.slice(0, 8).join(', ')}${names.length > 8 ? `, … (${names.length} in all)` : ''}`;
    const parts = [missing.length > 0 ? `lacks ${missing.length} tensor(s) that config.json calls for: ${list(missing)}` : '', unused.length > 0 ? `has ${unused.length} tensor(s) that config.json does not use: ${list(unused)}` : ''];
    throw new InputError(`The checkpoint ${parts.filter(Boolean).join('; and ')}`, mismatchHint(config, missing, unused));
  }
  return found;
}

/** Which config.json field most likely disagrees with the checkpoint, from the tensors' names. */
function mismatchHint(config: OptConfig, missing: string[], unused: string[]): string {
  const hints: string[] = [];
  const layerOf = (name: string) => Number(/^layers\.(\d+)\./.exec(name)?.[1] ?? -1);
  const storedLayers = unused.reduce((most, name) => Math.max(most, layerOf(name.replace(/^(model\.)?decoder\./, '')) + 1), 0);
  if (storedLayers > config.numLayers) hints.push(`num_hidden_layers is ${config.numLayers} but the checkpoint has ${storedLayers} layers`);
  const missingLayers = missing.map(layerOf).filter((l) => l >= 0);
  if (storedLayers === 0 && missingLayers.includes(config.numLayers - 1)) {
    hints.push(`num_hidden_layers is ${config.numLayers} but the checkpoint has only ${missingLayers.reduce((a, b) => Math.min(a, b))} layers`);
  }
  const isBias = (name: string) => /(proj|fc\d)\.bias$/.test(name);
  if (!config.enableBias && unused.some(isBias)) hints.push('enable_bias is false but the checkpoint has linear biases');
  if (config.enableBias && missing.some(isBias)) hints.push('enable_bias is true but the checkpoint has no linear biases');
  const isFinalNorm = (name: string) => /^(model\.)?(decoder\.)?final_layer_norm\./.test(name);
  if (!config.doLayerNormBefore && unused.some(isFinalNorm)) hints.push('do_layer_norm_before is false (post-LN, no final layer norm in OPT) but the checkpoint has final_layer_norm: a pre-LN model?');
  if (config.doLayerNormBefore && missing.some(isFinalNorm)) hints.push('do_layer_norm_before is true (pre-LN, with a final layer norm) but the checkpoint has no final_layer_norm: a post-LN model such as opt-350m?');
  return hints.length > 0 ? `${hints.join('; ')}.` : 'the weights and config.json do not belong together';
}

/** Throws naming the tensor when it holds NaN or ±Infinity (a damaged or diverged checkpoint). */
export function checkFinite(data: Float32Array, fileName: string, tensorName: string): void {
  for (let i = 0; i < data.length; i++) {
    // x - x is 0 for every finite x and NaN for NaN and ±Infinity.
    if (data[i] - data[i] !== 0) {
      throw new InputError(`${fileName}: tensor ${tensorName} holds ${data[i]} at index ${i}`, 'the checkpoint is damaged (or training diverged); the model cannot give meaningful results');
    }
  }
}

/**
 * Reads the tensors one at a time, in `expectedTensors` order, as float32. `visit` gets each array to
 * keep or upload; nothing else holds it, so the GPU path never has two float32 copies of the model.
 */
export async function streamOptTensors(
  config: OptConfig,
  files: readonly SafetensorsFile[],
  visit: (name: string, data: Float32Array, shape: number[]) => void | Promise<void>,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const located = locateTensors(config, files);
  const expected = expectedTensors(config);
  for (let i = 0; i < expected.length; i++) {
    const { name, shape } = expected[i];
    const { file, entry } = located.get(name)!;
    const data = readTensorF32(file, entry);
    checkFinite(data, file.fileName, entry.name);
    await visit(name, data, shape);
    onProgress?.(i + 1, expected.length);
  }
}

/** All weights in memory (the CPU path and tests). */
export async function loadOptWeights(config: OptConfig, files: readonly SafetensorsFile[]): Promise<OptWeights> {
  const byName = new Map<string, Float32Array>();
  await streamOptTensors(config, files, (name, data) => void byName.set(name, data));
  return assembleWeights(config, byName);
}

/** Builds the typed structure from tensors named as in `expectedTensors`. */
export function assembleWeights(config: OptConfig, byName: Map<string, Float32Array>): OptWeights {
  const get = (name: string) => byName.get(name) ?? null;
  const norm = (prefix: string): LayerNormParams => ({ weight: get(`${prefix}.weight`), bias: get(`${prefix}.bias`) });
  const linear = (prefix: string, [outFeatures, inFeatures]: [number, number]): Linear => ({
    weight: get(`${prefix}.weight`)!,
    bias: get(`${prefix}.bias`),
    outFeatures,
    inFeatures,
  });
  return {
    embedTokens: get('embed_tokens.weight')!,
    embedPositions: get('embed_positions.weight')!,
    projectIn: get('project_in.weight'),
    projectOut: get('project_out.weight'),
    finalLayerNorm: hasFinalLayerNorm(config) ? norm('final_layer_norm') : null,
    layers: Array.from({ length: config.numLayers }, (_, l) => {
      const shapes = linearShapes(config, l);
      const p = `layers.${l}`;
      return {
        selfAttnLayerNorm: norm(`${p}.self_attn_layer_norm`),
        qProj: linear(`${p}.self_attn.q_proj`, shapes['self_attn.q_proj']),
        kProj: linear(`${p}.self_attn.k_proj`, shapes['self_attn.k_proj']),
        vProj: linear(`${p}.self_attn.v_proj`, shapes['self_attn.v_proj']),
        outProj: linear(`${p}.self_attn.out_proj`, shapes['self_attn.out_proj']),
        finalLayerNorm: norm(`${p}.final_layer_norm`),
        fc1: linear(`${p}.fc1`, shapes.fc1),
        fc2: linear(`${p}.fc2`, shapes.fc2),
      };
    }),
  };
}

/** Checks a replacement layer against the config's widths for that layer (pruning swaps layers in). */
export function checkLayerWeights(config: OptConfig, layer: number, weights: OptLayerWeights): void {
  const shapes = linearShapes(config, layer);
  const pairs: [string, Linear, [number, number]][] = [
    ['q_proj', weights.qProj, shapes['self_attn.q_proj']],
    ['k_proj', weights.kProj, shapes['self_attn.k_proj']],
    ['v_proj', weights.vProj, shapes['self_attn.v_proj']],
    ['out_proj', weights.outProj, shapes['self_attn.out_proj']],
    ['fc1', weights.fc1, shapes.fc1],
    ['fc2', weights.fc2, shapes.fc2],
  ];
  for (const [name, linear, [rows, cols]] of pairs) {
    if (linear.outFeatures !== rows || linear.inFeatures !== cols || linear.weight.length !== rows * cols) {
      throw new RangeError(`layer ${layer} ${name}: expected [${rows}, ${cols}] from the config, got [${linear.outFeatures}, ${linear.inFeatures}] with ${linear.weight.length} values`);
    }
    if (config.enableBias && linear.bias?.length !== rows) throw new RangeError(`layer ${layer} ${name}: bias must have ${rows} entries`);
  }
}

/** Flattens weights back to HF tensor names (with the `model.decoder.` prefix) for a safetensors export. */
export function weightsToTensors(config: OptConfig, weights: OptWeights): Record<string, { shape: number[]; data: Float32Array }> {
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  const byName = new Map<string, Float32Array | null>([
    ['embed_tokens.weight', weights.embedTokens],
    ['embed_positions.weight', weights.embedPositions],
    ['project_in.weight', weights.projectIn],
    ['project_out.weight', weights.projectOut],
    ['final_layer_norm.weight', weights.finalLayerNorm?.weight ?? null],
    ['final_layer_norm.bias', weights.finalLayerNorm?.bias ?? null],
  ]);
  weights.layers.forEach((layer, l) => {
    const p = `layers.${l}`;
    byName.set(`${p}.self_attn_layer_norm.weight`, layer.selfAttnLayerNorm.weight);
    byName.set(`${p}.self_attn_layer_norm.bias`, layer.selfAttnLayerNorm.bias);
    byName.set(`${p}.final_layer_norm.weight`, layer.finalLayerNorm.weight);
    byName.set(`${p}.final_layer_norm.bias`, layer.finalLayerNorm.bias);
    const linears: [string, Linear][] = [
      ['self_attn.q_proj', layer.qProj],
      ['self_attn.k_proj', layer.kProj],
      ['self_attn.v_proj', layer.vProj],
      ['self_attn.out_proj', layer.outProj],
      ['fc1', layer.fc1],
      ['fc2', layer.fc2],
    ];
    for (const [name, linear] of linears) {
      byName.set(`${p}.${name}.weight`, linear.weight);
      byName.set(`${p}.${name}.bias`, linear.bias);
    }
  });
  for (const { name, shape } of expectedTensors(config)) {
    const data = byName.get(name);
    if (!data) throw new RangeError(`weights lack ${name}`);
    out[`model.decoder.${name}`] = { shape, data };
  }
  return out;
}
