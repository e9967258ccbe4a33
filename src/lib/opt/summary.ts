import type { OptConfig } from './config.ts';
import type { SafetensorsDtype, SafetensorsFile } from './safetensors.ts';
import { expectedTensors } from './weights.ts';

/** What the model panel shows: parameters per part, stored dtypes, and sizes. */
export interface ModelSummary {
  parameters: {
    tokenEmbedding: number;
    positionEmbedding: number;
    attention: number;
    mlp: number;
    layerNorms: number;
    projections: number;
    total: number;
  };
  /** Parameters stored in each dtype. */
  dtypes: Partial<Record<SafetensorsDtype, number>>;
  fileBytes: number;
  /** As float32, what the runtime holds. */
  float32Bytes: number;
  layers: number;
  hidden: number;
  heads: number;
  vocab: number;
  maxPositions: number;
  pruned: boolean;
}

export function summarizeModel(config: OptConfig, files: readonly SafetensorsFile[]): ModelSummary {
  const parameters = { tokenEmbedding: 0, positionEmbedding: 0, attention: 0, mlp: 0, layerNorms: 0, projections: 0, total: 0 };
  for (const { name, shape } of expectedTensors(config)) {
    const count = shape.reduce((a, b) => a * b, 1);
    if (name.startsWith('embed_tokens')) parameters.tokenEmbedding += count;
    else if (name.startsWith('embed_positions')) parameters.positionEmbedding += count;
    else if (name.startsWith('project_')) parameters.projections += count;
    else if (name.includes('layer_norm')) parameters.layerNorms += count;
    else if (name.includes('self_attn.')) parameters.attention += count;
    else parameters.mlp += count;
    parameters.total += count;
  }
  const dtypes: Partial<Record<SafetensorsDtype, number>> = {};
  for (const file of files) {
    for (const entry of file.tensors.values()) {
      dtypes[entry.dtype] = (dtypes[entry.dtype] ?? 0) + entry.shape.reduce((a, b) => a * b, 1);
    }
  }
  return {
    parameters,
    dtypes,
    fileBytes: files.reduce((sum, f) => sum + f.bytes.byteLength, 0),
    float32Bytes: parameters.total * 4,
    layers: config.numLayers,
    hidden: config.hiddenSize,
    heads: config.numHeads,
    vocab: config.vocabSize,
    maxPositions: config.maxPositions,
    pruned: config.ffnDims.some((d) => d !== config.ffnDim) || config.vDims.some((d) => d !== config.hiddenSize),
  };
}
