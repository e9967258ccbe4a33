import { configWithLayerWidths } from '../opt/runtime.ts';
import type { OptConfig } from '../opt/config.ts';
import type { Linear, OptLayerWeights, OptWeights } from '../opt/weights.ts';
import { gatherSubmatrix, keptHeadDims } from '../pruning/compaction.ts';
import { weightColumnReduce } from '../pruning/metrics.ts';
import { keepCountFor, selectTopColumns, validateSparsity } from '../pruning/topK.ts';

/**
 * Changing a model's per-layer widths outside the pruning pipeline, for what export needs around it:
 * - `pruneChannels` keeps given FFN and value channels (the coupled groups of issue #4, §1, compacted
 *   with the pruning library), e.g. to build pruned test models with a head that keeps nothing;
 * - `magnitudeChannels` picks them by ‖W_{:,j}‖₂ of the consumer (the "magnitude" baseline, no
 *   calibration): the simple pruning the export benchmark and the export panel time against dense;
 * - `padToDense` undoes the shapes (not the pruning): zero rows of fc1/v_proj and zero columns of
 *   fc2/out_proj restore every width exactly, since ReLU(0)·0 and 0-valued value channels add nothing.
 *   A padded model is what stock OPT code can load, and the dense-shaped twin a timing compares with;
 * - `padHeadsToLayerMax` pads only the value heads, each to the widest kept head of its layer (heads
 *   that kept nothing stay empty), so a layer's heads share one value width again: the ONNX export
 *   then needs one attention block per layer instead of one per distinct width (see onnxExport.ts).
 */
export interface SizedModel {
  config: OptConfig;
  weights: OptWeights;
}

/** Per layer, ascending indices of the channels to keep (into the layer's current channels). */
export interface ChannelSelection {
  ffn: Int32Array[];
  value: Int32Array[];
}

function keepRows(linear: Linear, rows: Int32Array): Linear {
  return {
    weight: gatherSubmatrix(linear.weight, { rows: linear.outFeatures, cols: linear.inFeatures }, { rows }), // [|K|, in]
    bias: linear.bias && gatherSubmatrix(linear.bias, { rows: linear.outFeatures, cols: 1 }, { rows }), // [|K|]
    outFeatures: rows.length,
    inFeatures: linear.inFeatures,
  };
}

function keepColumns(linear: Linear, cols: Int32Array): Linear {
  return {
    weight: gatherSubmatrix(linear.weight, { rows: linear.outFeatures, cols: linear.inFeatures }, { cols }), // [out, |K|]
    bias: linear.bias && linear.bias.slice(),
    outFeatures: linear.outFeatures,
    inFeatures: cols.length,
  };
}

function checkAscending(indices: Int32Array, width: number, what: string): void {
  indices.forEach((index, i) => {
    if (!Number.isInteger(index) || index < 0 || index >= width || (i > 0 && index <= indices[i - 1])) {
      throw new RangeError(`${what}: kept channels must be ascending indices in [0, ${width}), got [${[...indices.subarray(0, 8)]}${indices.length > 8 ? ', …' : ''}]`);
    }
  });
}

/** A copy of the model keeping only the selected channels; other weights are shared, not copied. */
export function pruneChannels({ config, weights }: SizedModel, kept: ChannelSelection): SizedModel {
  let next = config;
  const layers = weights.layers.map((layer, l): OptLayerWeights => {
    checkAscending(kept.ffn[l], config.ffnDims[l], `layer ${l} FFN`);
    checkAscending(kept.value[l], config.vDims[l], `layer ${l} values`);
    const pruned: OptLayerWeights = {
      ...layer,
      vProj: keepRows(layer.vProj, kept.value[l]),
      outProj: keepColumns(layer.outProj, kept.value[l]),
      fc1: keepRows(layer.fc1, kept.ffn[l]),
      fc2: keepColumns(layer.fc2, kept.ffn[l]),
    };
    next = configWithLayerWidths(next, l, pruned, keptHeadDims(config.vHeadDims[l], kept.value[l]));
    return pruned;
  });
  return { config: next, weights: { ...weights, layers } };
}

/** Keeps the (1 − s)·width channels of each group whose consumer column has the largest ‖W_{:,j}‖₂. */
export function magnitudeChannels({ weights }: SizedModel, sparsity: number): ChannelSelection {
  validateSparsity(sparsity);
  const top = (consumer: Linear) => {
    const scores = weightColumnReduce(consumer.weight, consumer.outFeatures, consumer.inFeatures, 'sumsq');
    return selectTopColumns(scores, keepCountFor(consumer.inFeatures, sparsity));
  };
  return { ffn: weights.layers.map((layer) => top(layer.fc2)), value: weights.layers.map((layer) => top(layer.outProj)) };
}

/** Pads every layer back to ffn_dim and head_dim per head with zero channels: the same function, dense shapes. */
export function padToDense({ config, weights }: SizedModel): SizedModel {
  const { hiddenSize: H, headDim, ffnDim, numHeads } = config;
  let next = config;
  const layers = weights.layers.map((layer, l): OptLayerWeights => {
    // Where each current channel goes among the dense ones: FFN channels first, value channels at the
    // start of their head's head_dim block.
    const ffnTargets = Int32Array.from({ length: config.ffnDims[l] }, (_, j) => j);
    const valueTargets: number[] = [];
    config.vHeadDims[l].forEach((width, head) => {
      for (let c = 0; c < width; c++) valueTargets.push(head * headDim + c);
    });
    const padded: OptLayerWeights = {
      ...layer,
      vProj: scatterRows(layer.vProj, Int32Array.from(valueTargets), numHeads * headDim),
      outProj: scatterColumns(layer.outProj, Int32Array.from(valueTargets), numHeads * headDim),
      fc1: scatterRows(layer.fc1, ffnTargets, ffnDim),
      fc2: scatterColumns(layer.fc2, ffnTargets, ffnDim),
    };
    next = configWithLayerWidths(next, l, padded, new Array<number>(numHeads).fill(headDim));
    return padded;
  });
  if (next.vDims.some((v) => v !== H)) throw new RangeError('padToDense: value widths do not add up to the hidden size');
  return { config: next, weights: { ...weights, layers } };
}

/** Every head that kept value channels padded with zero channels to its layer's widest head. */
export function padHeadsToLayerMax({ config, weights }: SizedModel): SizedModel {
  let next = config;
  const layers = weights.layers.map((layer, l): OptLayerWeights => {
    const widths = config.vHeadDims[l];
    const padWidth = Math.max(0, ...widths);
    if (widths.every((width) => width === 0 || width === padWidth)) return layer;
    // Head h's channel c moves to (rank of h among non-empty heads)·padWidth + c.
    const valueTargets: number[] = [];
    let slot = 0;
    for (const width of widths) {
      if (width === 0) continue;
      for (let c = 0; c < width; c++) valueTargets.push(slot * padWidth + c);
      slot++;
    }
    const targets = Int32Array.from(valueTargets);
    const padded: OptLayerWeights = {
      ...layer,
      vProj: scatterRows(layer.vProj, targets, slot * padWidth),
      outProj: scatterColumns(layer.outProj, targets, slot * padWidth),
    };
    next = configWithLayerWidths(next, l, padded, widths.map((width) => (width === 0 ? 0 : padWidth)));
    return padded;
  });
  return { config: next, weights: { ...weights, layers } };
}

function scatterRows(linear: Linear, targets: Int32Array, width: number): Linear {
  const weight = new Float32Array(width * linear.inFeatures);
  const bias = linear.bias && new Float32Array(width);
  targets.forEach((target, r) => {
    weight.set(linear.weight.subarray(r * linear.inFeatures, (r + 1) * linear.inFeatures), target * linear.inFeatures);
    if (bias) bias[target] = linear.bias![r];
  });
  return { weight, bias, outFeatures: width, inFeatures: linear.inFeatures };
}

function scatterColumns(linear: Linear, targets: Int32Array, width: number): Linear {
  const weight = new Float32Array(linear.outFeatures * width);
  for (let r = 0; r < linear.outFeatures; r++) targets.forEach((target, c) => (weight[r * width + target] = linear.weight[r * linear.inFeatures + c]));
  return { weight, bias: linear.bias && linear.bias.slice(), outFeatures: linear.outFeatures, inFeatures: width };
}
