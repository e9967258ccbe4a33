import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/errors.ts';
import { Rng } from '../../src/lib/util/random.ts';
import {
  CalibrationStatsAccumulator,
  channelsOfHeads,
  flapJointSearch,
  headScores,
  prune,
  scoreGroup,
  standardise,
  TinyDecoder,
  type CalibrationStats,
  type TinyDecoderConfig,
} from '../../src/lib/pruning/index.ts';

const CONFIG: TinyDecoderConfig = { vocabSize: 50, hiddenSize: 16, numHeads: 4, ffnDim: 48, numLayers: 3, maxPositions: 32, seed: 7 };
const HEAD_DIM = CONFIG.hiddenSize / CONFIG.numHeads;

function windows(count: number, length: number, seed: number): Int32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => Int32Array.from({ length }, () => rng.int(CONFIG.vocabSize)));
}
const calibration = windows(6, 24, 1);

/** Statistics of both consumers' inputs of every layer, the dense model feeding every layer. */
async function denseStats(model: TinyDecoder): Promise<Record<'ffn' | 'attention', CalibrationStats>[]> {
  const out: Record<'ffn' | 'attention', CalibrationStats>[] = [];
  let hidden = await Promise.all(calibration.map((w) => model.embed(w)));
  for (let l = 0; l < model.numLayers; l++) {
    const ffn = new CalibrationStatsAccumulator(CONFIG.ffnDim, { gram: false });
    const attention = new CalibrationStatsAccumulator(CONFIG.hiddenSize, { gram: false });
    const next: Float32Array[] = [];
    for (const h of hidden) next.push(await model.runLayer(l, h, { capture: { fc2Input: (x, rows) => ffn.add(x, rows), outProjInput: (x, rows) => attention.add(x, rows) } }));
    hidden = next;
    out.push({ ffn: ffn.finish(), attention: attention.finish() });
  }
  return out;
}

describe('head granularity (Wanda-sp and FLAP as published)', () => {
  it('wanda-sp removes whole heads by default: every head keeps all of its value channels or none', async () => {
    const result = await prune(new TinyDecoder(CONFIG), calibration, { method: 'wanda-sp', sparsity: 0.5 });
    expect(result.granularity).toBe('head');
    for (const [l, heads] of result.config.v_head_dims.entries()) {
      expect(heads.every((w) => w === 0 || w === HEAD_DIM)).toBe(true);
      expect(heads.filter((w) => w === 0)).toHaveLength(2);
      expect(result.reports[l].attention.keptHeads).toEqual(heads.flatMap((w, h) => (w > 0 ? [h] : [])));
      expect([...result.reports[l].attention.kept]).toEqual([...channelsOfHeads(Array(CONFIG.numHeads).fill(HEAD_DIM), result.reports[l].attention.keptHeads!)]);
    }
  });

  it('channel granularity stays available and cuts through heads', async () => {
    const result = await prune(new TinyDecoder(CONFIG), calibration, { method: 'wanda-sp', sparsity: 0.3, settings: { granularity: 'channel' } });
    expect(result.granularity).toBe('channel');
    expect(result.config.v_dims).toEqual([11, 11, 11]);
    expect(result.config.v_head_dims.flat().some((w) => w > 0 && w < HEAD_DIM)).toBe(true);
  });

  it("layer 0 keeps the heads with the largest sums of Wanda-sp's channel scores", async () => {
    const model = new TinyDecoder(CONFIG);
    const stats = await denseStats(model);
    const dense = await model.getLayer(0);
    const channel = scoreGroup('wanda-sp', dense.attention, stats[0].attention, { layerIndex: 0, groupName: 'attention' });
    const perHead = headScores(channel, dense.attention.vHeadDims, 'sum');
    const best = [...perHead.keys()].sort((a, b) => perHead[b] - perHead[a]).slice(0, 2).sort((a, b) => a - b);
    const result = await prune(model, calibration, { method: 'wanda-sp', sparsity: 0.5 });
    expect(result.reports[0].attention.keptHeads).toEqual(best);
  });

  it('FASP refuses head granularity, and global allocation refuses heads', async () => {
    await expect(prune(new TinyDecoder(CONFIG), calibration, { method: 'fasp', sparsity: 0.2, settings: { granularity: 'head' } })).rejects.toThrow(InputError);
    await expect(prune(new TinyDecoder(CONFIG), calibration, { method: 'wanda-sp', sparsity: 0.2, allocation: 'global' })).rejects.toThrow(InputError);
    await expect(prune(new TinyDecoder(CONFIG), calibration, { method: 'wanda-sp', sparsity: 0.2, allocation: 'joint' })).rejects.toThrow(/FLAP/);
  });
});

describe("FLAP's joint structure search", () => {
  it('one threshold over FFN channels and heads: every kept structure outranks every removed one, and the budget is met', () => {
    const rng = new Rng(3);
    const d = 16;
    const layers = [0, 1, 2].map((l) => ({
      // Scores on different scales per layer: standardisation makes them comparable.
      ffn: Float64Array.from({ length: 40 }, () => rng.next() * (l + 1) ** 3),
      attention: Float64Array.from({ length: 16 }, () => rng.next() * 10 ** l),
      vHeadDims: [4, 4, 4, 4],
    }));
    const s = 0.4;
    const kept = flapJointSearch(layers, { sparsity: s, hiddenSize: d, queryKeyHeadDim: 4, granularity: 'head' });
    const channelWeight = 2 * d + 1;
    const headWeight = 2 * 4 * (d + 1) + 4 * channelWeight;
    const items: { z: number; kept: boolean; weight: number }[] = [];
    layers.forEach((layer, l) => {
      const zFfn = standardise(layer.ffn);
      zFfn.forEach((z, j) => items.push({ z, kept: kept[l].ffn.includes(j), weight: channelWeight }));
      const zAttention = standardise(layer.attention.map((v) => v * v));
      for (let h = 0; h < 4; h++) {
        const z = (zAttention[4 * h] + zAttention[4 * h + 1] + zAttention[4 * h + 2] + zAttention[4 * h + 3]) / 4;
        items.push({ z, kept: kept[l].attention.includes(4 * h), weight: headWeight });
        // whole heads only
        expect(new Set([0, 1, 2, 3].map((c) => kept[l].attention.includes(4 * h + c))).size).toBe(1);
      }
    });
    const minKept = Math.min(...items.filter((i) => i.kept).map((i) => i.z));
    const maxRemoved = Math.max(...items.filter((i) => !i.kept).map((i) => i.z));
    expect(minKept).toBeGreaterThanOrEqual(maxRemoved);
    const total = items.reduce((a, i) => a + i.weight, 0);
    const keptWeight = items.filter((i) => i.kept).reduce((a, i) => a + i.weight, 0);
    expect(Math.abs(keptWeight - (1 - s) * total)).toBeLessThanOrEqual(headWeight / 2);
    // The layers are not pruned uniformly: FFN and heads compete across layers.
    const ffnKept = kept.map((k) => k.ffn.length);
    expect(new Set(ffnKept).size).toBeGreaterThan(1);
  });

  it('flap defaults to the joint search on dense statistics, whole heads, non-uniform layers', async () => {
    const model = new TinyDecoder(CONFIG);
    const stats = await denseStats(model);
    const denseLayers = await Promise.all([0, 1, 2].map((l) => model.getLayer(l)));
    const scores = denseLayers.map((layer, l) => ({
      ffn: scoreGroup('flap', layer.ffn, stats[l].ffn, { layerIndex: l, groupName: 'ffn' }),
      attention: scoreGroup('flap', layer.attention, stats[l].attention, { layerIndex: l, groupName: 'attention' }),
      vHeadDims: layer.attention.vHeadDims,
    }));
    const expected = flapJointSearch(scores, { sparsity: 0.4, hiddenSize: CONFIG.hiddenSize, queryKeyHeadDim: HEAD_DIM, granularity: 'head' });
    const result = await prune(model, calibration, { method: 'flap', sparsity: 0.4 });
    expect(result.allocation).toBe('joint');
    expect(result.granularity).toBe('head');
    result.reports.forEach((report, l) => {
      expect([...report.ffn.kept]).toEqual([...expected[l].ffn]);
      expect([...report.attention.kept]).toEqual([...expected[l].attention]);
    });
    for (const heads of result.config.v_head_dims) expect(heads.every((w) => w === 0 || w === HEAD_DIM)).toBe(true);
    // Bias compensation from the dense means: out_proj's bias moved by W_D · mean(X_D).
    const dropped = [0, 1, 2, 3].filter((h) => result.config.v_head_dims[0][h] === 0);
    if (dropped.length > 0) expect(result.layers[0].attention.consumerBias).not.toEqual(denseLayers[0].attention.consumerBias);
  });
});
