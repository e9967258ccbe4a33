import { InputError } from '../errors.ts';
import type { PrunableLayer } from './structure.ts';

/**
 * The `config.json` fields of a pruned OPT model (agreed with the OPT runtime, issue #3):
 *   ffn_dims     [numLayers]            fc1 rows = fc2 columns of each layer (dense: ffn_dim)
 *   v_head_dims  [numLayers][numHeads]  value channels kept per head (dense: hidden_size / num_heads)
 *   v_dims       [numLayers]            Σ v_head_dims[l] = v_proj rows = out_proj columns
 * Value channels are stored head by head, so `v_head_dims` says which head each channel belongs to. A
 * head may have 0 value channels; q_proj and k_proj are never pruned.
 */
export interface PrunedConfigFields {
  ffn_dims: number[];
  v_head_dims: number[][];
  v_dims: number[];
}

export function prunedConfigFields(layers: readonly PrunableLayer[]): PrunedConfigFields {
  return {
    ffn_dims: layers.map((layer) => layer.ffn.width),
    v_head_dims: layers.map((layer) => [...layer.attention.vHeadDims]),
    v_dims: layers.map((layer) => layer.attention.width),
  };
}

/** Checks the fields of a loaded config; `file` names it in messages. */
export function validatePrunedConfig(config: Partial<PrunedConfigFields>, model: { numLayers: number; numHeads: number }, file = 'config.json'): PrunedConfigFields {
  const { numLayers, numHeads } = model;
  const { ffn_dims: ffn, v_head_dims: heads, v_dims: v } = config;
  const isCount = (x: unknown) => Number.isInteger(x) && (x as number) >= 0;
  if (!Array.isArray(ffn) || ffn.length !== numLayers || !ffn.every(isCount)) {
    throw new InputError(`${file}: ffn_dims must list ${numLayers} non-negative integers (one per layer)`, `got ${JSON.stringify(ffn)}`);
  }
  if (!Array.isArray(heads) || heads.length !== numLayers || !heads.every((h) => Array.isArray(h) && h.length === numHeads && h.every(isCount))) {
    throw new InputError(`${file}: v_head_dims must list, per layer, ${numHeads} non-negative integers (one per head)`, `got ${JSON.stringify(heads)}`);
  }
  if (!Array.isArray(v) || v.length !== numLayers) {
    throw new InputError(`${file}: v_dims must list ${numLayers} integers (one per layer)`, `got ${JSON.stringify(v)}`);
  }
  v.forEach((dims, layer) => {
    const sum = heads[layer].reduce((a, b) => a + b, 0);
    if (dims !== sum) throw new InputError(`${file}: v_dims[${layer}] = ${dims} but v_head_dims[${layer}] sums to ${sum}`);
  });
  return { ffn_dims: ffn, v_head_dims: heads, v_dims: v };
}
