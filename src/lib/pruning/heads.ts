import { InputError } from '../errors.ts';
import { rankColumns } from './topK.ts';

/**
 * Whole attention heads as the unit of pruning (issue #14), as Wanda-sp and FLAP remove them (An et al.
 * 2024, "Fluctuation-based Adaptive Structured Pruning for Large Language Models", and their code's
 * `prune_wanda_sp` / `prune_flap`): a head's score is a reduction of its value channels' scores (the
 * columns of out_proj it owns), and a removed head loses all its value channels. Its q_proj/k_proj rows
 * are then dead: nothing reads their attention probabilities. The runtime keeps OPT's square q/k
 * (HF's layout has no per-layer head count), the ONNX export drops them (headGroups.ts), and
 * `optParameterCounts` reports them apart as `deadQueryKey`.
 *
 *   granularity 'head'     the published methods: a layer keeps whole heads
 *   granularity 'channel'  any subset of value channels (how this app pruned before issue #14)
 */
export type Granularity = 'head' | 'channel';
export const GRANULARITIES: readonly Granularity[] = ['head', 'channel'];

/**
 * How channel scores S_c become a head score:
 *   sum     Σ_{c∈h} S_c      Wanda-sp (its per-channel score is the mean over out_proj's rows of |W|·‖X‖)
 *   sumsq   Σ_{c∈h} S_c²     FLAP's uniform (UL-UM) head score: the fluctuation metric squared
 *   mean    (1/|h|) Σ_{c∈h} S_c  FLAP's joint search, after standardising the squared scores per layer
 */
export type HeadReduction = 'sum' | 'sumsq' | 'mean';

/** One score per head; heads that kept no value channel score −∞ (they cannot be kept again). */
export function headScores(channelScores: ArrayLike<number>, vHeadDims: readonly number[], reduction: HeadReduction): Float64Array {
  const total = vHeadDims.reduce((a, b) => a + b, 0);
  if (channelScores.length !== total) throw new RangeError(`head scores: ${channelScores.length} channel scores for heads of widths [${vHeadDims}]`);
  const out = new Float64Array(vHeadDims.length);
  let channel = 0;
  vHeadDims.forEach((width, head) => {
    if (width === 0) {
      out[head] = -Infinity;
      return;
    }
    let s = 0;
    for (let c = channel; c < channel + width; c++) s += reduction === 'sumsq' ? channelScores[c] * channelScores[c] : channelScores[c];
    out[head] = reduction === 'mean' ? s / width : s;
    channel += width;
  });
  return out;
}

/** Heads that still have value channels. */
export function liveHeadCount(vHeadDims: readonly number[]): number {
  return vHeadDims.filter((width) => width > 0).length;
}

/** The `keepHeads` best live heads (ties: the lower head), ascending. */
export function selectTopHeads(scores: Float64Array, vHeadDims: readonly number[], keepHeads: number): number[] {
  const live = liveHeadCount(vHeadDims);
  if (!Number.isInteger(keepHeads) || keepHeads < 0 || keepHeads > live) throw new RangeError(`keep ${keepHeads} heads of ${live} live ones`);
  return [...rankColumns(scores)].slice(0, keepHeads).sort((a, b) => a - b);
}

/** The value channels (ascending indices into v_proj's rows) of the heads kept. */
export function channelsOfHeads(vHeadDims: readonly number[], keptHeads: readonly number[]): Int32Array {
  const offsets = [0];
  for (const width of vHeadDims) offsets.push(offsets[offsets.length - 1] + width);
  const channels: number[] = [];
  for (const head of [...keptHeads].sort((a, b) => a - b)) {
    if (!(head >= 0 && head < vHeadDims.length)) throw new RangeError(`head ${head} is not in 0…${vHeadDims.length - 1}`);
    for (let c = offsets[head]; c < offsets[head + 1]; c++) channels.push(c);
  }
  return Int32Array.from(channels);
}

export function validateGranularity(granularity: unknown, field = 'granularity'): Granularity {
  if (granularity !== 'head' && granularity !== 'channel') throw new InputError(`${field} must be 'head' or 'channel'`, `got ${String(granularity)}`);
  return granularity;
}
