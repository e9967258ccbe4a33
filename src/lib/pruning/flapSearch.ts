import { validateSparsity } from './topK.ts';
import { channelsOfHeads, type Granularity } from './heads.ts';

/**
 * FLAP's adaptive structure search (An et al. 2024, §3.3 "Adaptive structure search"; the authors'
 * `prune_flap` with structure AL-AM): ONE threshold over the standardised scores of every FFN channel
 * and every attention head of every layer, so layers and the two module types compete for one budget.
 *
 *   FFN channel j of layer l:  z = (S_lj − mean_l S) / std_l S           S = Var(X_j)·‖W_:,j‖² (fc2)
 *   head h of layer l:         z = mean_{c∈h} (S²_lc − mean_l S²) / std_l S²   S on out_proj's columns
 *   (std with Bessel's correction, as torch.std; a layer whose scores are all equal gets z = 0)
 *
 * Structures are sorted by z, descending; each weighs what removing it saves — an FFN channel
 * 2d + 1 parameters (a row and bias of fc1, a column of fc2), a head 2·d_h·(d + 1) for its q/k rows and
 * biases plus v·(2d + 1) for its v value channels (FLAP's code weighs a LLaMA head 512/3 FFN channels,
 * the same ratio for its shapes). The kept set is the prefix whose total weight is closest to
 * (1 − s) × the weight of everything; the rest is removed wherever it sits. With granularity
 * 'channel' the attention items are single value channels (weight 2d + 1, z of S² as above).
 *
 * FLAP takes every statistic from the dense model (no pruned layer feeds the next one's statistics):
 * pipeline.ts runs this search on one dense pass and then compensates the biases from the same pass.
 */
export interface FlapLayerScores {
  /** Fluctuation score of each FFN channel (fc2's columns). */
  ffn: Float64Array;
  /** Fluctuation score of each value channel (out_proj's columns), heads laid out as vHeadDims. */
  attention: Float64Array;
  vHeadDims: readonly number[];
}

export interface FlapSearchOptions {
  sparsity: number;
  hiddenSize: number;
  /** q/k width of a head (OPT: hidden_size / num_heads). */
  queryKeyHeadDim: number;
  granularity: Granularity;
}

export interface FlapLayerKeep {
  ffn: Int32Array;
  attention: Int32Array;
}

interface Item {
  layer: number;
  /** 0: attention (head or channel), 1: FFN channel, for a deterministic order of equal z. */
  kind: 0 | 1;
  index: number;
  z: number;
  weight: number;
}

export function standardise(scores: ArrayLike<number>): Float64Array {
  const n = scores.length;
  const out = new Float64Array(n);
  if (n < 2) return out;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += scores[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (scores[i] - mean) ** 2;
  const std = Math.sqrt(ss / (n - 1));
  if (!(std > 0)) return out;
  for (let i = 0; i < n; i++) out[i] = (scores[i] - mean) / std;
  return out;
}

export function flapJointSearch(layers: readonly FlapLayerScores[], options: FlapSearchOptions): FlapLayerKeep[] {
  validateSparsity(options.sparsity);
  const d = options.hiddenSize;
  const channelWeight = 2 * d + 1;
  const items: Item[] = [];
  layers.forEach((scores, layer) => {
    const zFfn = standardise(scores.ffn);
    zFfn.forEach((z, index) => items.push({ layer, kind: 1, index, z, weight: channelWeight }));
    const zAttention = standardise(scores.attention.map((s) => s * s));
    if (options.granularity === 'channel') {
      zAttention.forEach((z, index) => items.push({ layer, kind: 0, index, z, weight: channelWeight }));
      return;
    }
    let channel = 0;
    scores.vHeadDims.forEach((width, head) => {
      if (width > 0) {
        let sum = 0;
        for (let c = channel; c < channel + width; c++) sum += zAttention[c];
        items.push({ layer, kind: 0, index: head, z: sum / width, weight: 2 * options.queryKeyHeadDim * (d + 1) + width * channelWeight });
      }
      channel += width;
    });
  });
  items.sort((a, b) => b.z - a.z || a.layer - b.layer || a.kind - b.kind || a.index - b.index);

  const total = items.reduce((sum, item) => sum + item.weight, 0);
  const target = (1 - options.sparsity) * total;
  let bestPrefix = 0;
  let bestGap = target;
  let cumulative = 0;
  items.forEach((item, i) => {
    cumulative += item.weight;
    const gap = Math.abs(cumulative - target);
    if (gap < bestGap) {
      bestGap = gap;
      bestPrefix = i + 1;
    }
  });

  const keptFfn = layers.map(() => [] as number[]);
  const keptAttention = layers.map(() => [] as number[]);
  for (const item of items.slice(0, bestPrefix)) (item.kind === 1 ? keptFfn : keptAttention)[item.layer].push(item.index);
  return layers.map((scores, layer) => ({
    ffn: Int32Array.from(keptFfn[layer].sort((a, b) => a - b)),
    attention:
      options.granularity === 'channel' ? Int32Array.from(keptAttention[layer].sort((a, b) => a - b)) : channelsOfHeads(scores.vHeadDims, keptAttention[layer]),
  }));
}
