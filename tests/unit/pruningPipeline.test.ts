import { describe, expect, it } from 'vitest';
import { CancelFlag } from '../../src/lib/cancel.ts';
import { InputError, isCancelled } from '../../src/lib/errors.ts';
import type { Progress } from '../../src/lib/progress.ts';
import { Rng } from '../../src/lib/util/random.ts';
import {
  applyPrunedLayers,
  CalibrationStatsAccumulator,
  cloneGroup,
  compactGroup,
  keepCountFor,
  METHODS,
  PRUNE_METHODS,
  prune,
  TinyDecoder,
  type CalibrationStats,
  type PrunableLayer,
  type TinyDecoderConfig,
} from '../../src/lib/pruning/index.ts';
import { maxRelativeError } from '../helpers/compare.ts';

const CONFIG: TinyDecoderConfig = { vocabSize: 50, hiddenSize: 16, numHeads: 4, ffnDim: 48, numLayers: 3, maxPositions: 32, seed: 7 };

function calibrationWindows(count: number, length: number, seed = 1): Int32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => Int32Array.from({ length }, () => rng.int(CONFIG.vocabSize)));
}

const calibration = calibrationWindows(6, 24);
const evaluation = calibrationWindows(2, 20, 99)[0];

async function snapshot(model: TinyDecoder): Promise<PrunableLayer[]> {
  const layers: PrunableLayer[] = [];
  for (let l = 0; l < model.numLayers; l++) {
    const layer = await model.getLayer(l);
    layers.push({ ffn: cloneGroup(layer.ffn), attention: cloneGroup(layer.attention) });
  }
  return layers;
}

/** Dense statistics (with Gram) of both consumers' inputs for every layer. */
async function denseStats(model: TinyDecoder): Promise<Record<'ffn' | 'attention', CalibrationStats>[]> {
  const result: Record<'ffn' | 'attention', CalibrationStats>[] = [];
  let hidden = await Promise.all(calibration.map((w) => model.embed(w)));
  for (let l = 0; l < model.numLayers; l++) {
    const ffn = new CalibrationStatsAccumulator(CONFIG.ffnDim, { gram: true });
    const attention = new CalibrationStatsAccumulator(CONFIG.hiddenSize, { gram: true });
    const next: Float32Array[] = [];
    for (const h of hidden) {
      next.push(await model.runLayer(l, h, { capture: { fc2Input: (x, rows) => ffn.add(x, rows), outProjInput: (x, rows) => attention.add(x, rows) } }));
    }
    hidden = next;
    result.push({ ffn: ffn.finish(), attention: attention.finish() });
  }
  return result;
}

describe('the tiny decoder (test stand-in for the OPT runtime)', () => {
  it('a head pruned to 0 value channels behaves like that head with its values zeroed', async () => {
    const model = new TinyDecoder(CONFIG);
    const dense = await model.getLayer(1);
    const headDim = CONFIG.hiddenSize / CONFIG.numHeads;
    const kept = Int32Array.from({ length: CONFIG.hiddenSize - headDim }, (_, i) => (i < headDim ? i : i + headDim)); // all but head 1
    const pruned = { ffn: dense.ffn, attention: compactGroup({ group: dense.attention, kept }) };
    expect(pruned.attention.vHeadDims).toEqual([headDim, 0, headDim, headDim]);
    const zeroed = cloneGroup(dense.attention);
    for (let c = headDim; c < 2 * headDim; c++) {
      zeroed.producerWeight.fill(0, c * CONFIG.hiddenSize, (c + 1) * CONFIG.hiddenSize);
      zeroed.producerBias[c] = 0;
    }
    const x = await model.embed(evaluation);
    const viaPruned = await model.runLayer(1, x, { weights: pruned });
    const viaZeroed = await model.runLayer(1, x, { weights: { ffn: dense.ffn, attention: zeroed } });
    expect(maxRelativeError(viaPruned, viaZeroed)).toBeLessThan(1e-6);
  });
});

describe('pruning with s = 0', () => {
  for (const method of PRUNE_METHODS) {
    it(`${method} changes nothing`, async () => {
      const model = new TinyDecoder(CONFIG);
      const before = await snapshot(model);
      const logitsBefore = await model.logits(evaluation);
      const result = await prune(model, calibration, { method, sparsity: 0 });
      expect(result.layers).toEqual(before);
      expect(result.config.ffn_dims).toEqual([48, 48, 48]);
      await applyPrunedLayers(model, result.layers);
      expect([...(await model.logits(evaluation))]).toEqual([...logitsBefore]);
    });
  }
});

describe('exactness of the coupled structure', () => {
  it('removing FFN and value channels whose activation is always 0 leaves the logits unchanged (fasp, with restoration)', async () => {
    const model = new TinyDecoder(CONFIG);
    const d = CONFIG.hiddenSize;
    const deadFfn = [3, 40];
    const deadValue = 5;
    for (let l = 0; l < model.numLayers; l++) {
      const layer = await model.getLayer(l);
      for (const j of deadFfn) {
        layer.ffn.producerWeight.fill(0, j * d, (j + 1) * d);
        layer.ffn.producerBias[j] = -1; // ReLU(−1) = 0 for every token
      }
      layer.attention.producerWeight.fill(0, deadValue * d, (deadValue + 1) * d);
      layer.attention.producerBias[deadValue] = 0;
    }
    const logitsBefore = await model.logits(evaluation);
    // s = 1/24 removes round(2) of 48 FFN channels and round(0.67) = 1 of 16 value channels.
    const result = await prune(model, calibration, { method: 'fasp', sparsity: 1 / 24 });
    for (const report of result.reports) {
      expect(report.ffn.width - report.ffn.keptCount).toBe(2);
      for (const j of deadFfn) expect(report.ffn.kept).not.toContain(j);
      expect(report.attention.kept).not.toContain(deadValue);
      expect(report.attention.keptCount).toBe(15);
    }
    await applyPrunedLayers(model, result.layers);
    expect(maxRelativeError(await model.logits(evaluation), logitsBefore)).toBeLessThan(1e-6);
  });
});

describe('restoration against Wanda-sp', () => {
  it('with restoration (with or without the bias refit) the layer output error on calibration data is ≤ that of Wanda-sp at every s', async () => {
    const model = new TinyDecoder(CONFIG);
    const stats = await denseStats(model);
    let faspTotal = 0;
    let wandaTotal = 0;
    for (const s of [0.1, 0.2, 0.3, 0.5, 0.7, 0.9]) {
      for (let l = 0; l < model.numLayers; l++) {
        const input = {
          layer: await model.getLayer(l),
          layerIndex: l,
          stats: stats[l],
          keep: { ffn: keepCountFor(CONFIG.ffnDim, s), attention: keepCountFor(CONFIG.hiddenSize, s) },
          measureError: true,
        };
        const restored = await METHODS.fasp(input);
        const withBias = await METHODS.fasp({ ...input, settings: { refitBias: true } });
        const plain = await METHODS['wanda-sp']({ ...input, settings: { granularity: 'channel' } }); // the same channels as FASP's selection
        for (const group of ['ffn', 'attention'] as const) {
          expect([...restored.report[group].kept]).toEqual([...plain.report[group].kept]);
          expect(restored.report[group].outputError!).toBeLessThanOrEqual(plain.report[group].outputError! + 1e-12);
          expect(withBias.report[group].outputError!).toBeLessThanOrEqual(plain.report[group].outputError! + 1e-12);
          expect(restored.report[group].relativeResidual!).toBeLessThan(1e-8);
          faspTotal += restored.report[group].outputError!;
          wandaTotal += plain.report[group].outputError!;
        }
      }
    }
    expect(faspTotal).toBeLessThan(0.9 * wandaTotal);
  });
});

describe('the sequential pipeline', () => {
  for (const method of PRUNE_METHODS) {
    it(`${method} at s = 0.3 returns smaller layers that the model runs, with per-phase progress`, async () => {
      const model = new TinyDecoder(CONFIG);
      const events: Progress[] = [];
      const result = await prune(model, calibration, { method, sparsity: 0.3, allocation: 'uniform', measureError: true }, (p) => events.push(p));
      expect(result.config.ffn_dims).toEqual([34, 34, 34]);
      // Wanda-sp and FLAP drop whole heads by default: round(0.3 · 4) = 1 head of 4 channels.
      const byHeads = method === 'wanda-sp' || method === 'flap';
      expect(result.granularity).toBe(byHeads ? 'head' : 'channel');
      expect(result.config.v_dims).toEqual(byHeads ? [12, 12, 12] : [11, 11, 11]);
      result.config.v_head_dims.forEach((heads, l) => expect(heads.reduce((a, b) => a + b, 0)).toBe(result.config.v_dims[l]));
      expect(result.groupParams.after).toBeLessThan(result.groupParams.before);
      expect(result.calibrationTokens).toBe(6 * 24);
      for (const report of result.reports) expect(report.ffn.outputError).toBeGreaterThan(0);
      const last = events.filter((e) => e.phase === 'prune').at(-1)!;
      expect(last.done).toBe(last.total);
      await applyPrunedLayers(model, result.layers);
      const logits = await model.logits(evaluation);
      expect(logits.every(Number.isFinite)).toBe(true);
    });
  }

  it('random is reproducible for a seed', async () => {
    const a = await prune(new TinyDecoder(CONFIG), calibration, { method: 'random', sparsity: 0.5, settings: { seed: 11 } });
    const b = await prune(new TinyDecoder(CONFIG), calibration, { method: 'random', sparsity: 0.5, settings: { seed: 11 } });
    const c = await prune(new TinyDecoder(CONFIG), calibration, { method: 'random', sparsity: 0.5, settings: { seed: 12 } });
    expect(a.reports.map((r) => [...r.ffn.kept])).toEqual(b.reports.map((r) => [...r.ffn.kept]));
    expect(a.reports.map((r) => [...r.ffn.kept])).not.toEqual(c.reports.map((r) => [...r.ffn.kept]));
  });

  it('prunes only the groups asked for', async () => {
    const result = await prune(new TinyDecoder(CONFIG), calibration, { method: 'fasp', sparsity: 0.5, groups: ['ffn'] });
    expect(result.config.ffn_dims).toEqual([24, 24, 24]);
    expect(result.config.v_dims).toEqual([16, 16, 16]);
  });

  it('global allocation removes the uniform total within the per-layer bounds', async () => {
    const result = await prune(new TinyDecoder(CONFIG), calibration, {
      method: 'wanda-sp',
      sparsity: 0.5,
      allocation: 'global',
      settings: { granularity: 'channel' },
      layerSparsityBounds: { minSparsity: 0.2, maxSparsity: 0.8 },
    });
    expect(result.config.ffn_dims.reduce((a, b) => a + b, 0)).toBe(3 * 24);
    expect(result.config.v_dims.reduce((a, b) => a + b, 0)).toBe(3 * 8);
    for (const f of result.config.ffn_dims) {
      expect(f).toBeGreaterThanOrEqual(keepCountFor(48, 0.8));
      expect(f).toBeLessThanOrEqual(keepCountFor(48, 0.2));
    }
    expect(result.timingsMs.allocate).toBeGreaterThan(0);
  });

  it('global allocation of a weight-only metric needs no calibration pass', async () => {
    const model = new TinyDecoder(CONFIG);
    let layerRuns = 0;
    const counting = Object.assign(Object.create(model) as TinyDecoder, {
      runLayer: (...args: Parameters<TinyDecoder['runLayer']>) => {
        layerRuns++;
        return model.runLayer(...args);
      },
    });
    const result = await prune(counting, calibration, { method: 'magnitude', sparsity: 0.5, allocation: 'global' });
    expect(result.config.ffn_dims.reduce((a, b) => a + b, 0)).toBe(3 * 24);
    expect(layerRuns).toBe(2 * calibration.length); // the propagation only (the last layer's outputs are never needed)
  });

  it('cancel stops the run and leaves the original weights intact', async () => {
    const model = new TinyDecoder(CONFIG);
    const before = await snapshot(model);
    const cancel = new CancelFlag();
    const run = prune(model, calibration, { method: 'fasp', sparsity: 0.5 }, (p) => {
      if (p.phase === 'prune' && p.done > 2 * calibration.length + 3) cancel.cancel();
    }, cancel);
    const error = await run.catch((e: unknown) => e);
    expect(isCancelled(error)).toBe(true);
    expect(await snapshot(model)).toEqual(before);
  });
});

describe('bad input', () => {
  const model = new TinyDecoder(CONFIG);
  it('rejects a sparsity outside [0, 0.9]', async () => {
    for (const sparsity of [-0.1, 0.95, Number.NaN]) await expect(prune(model, calibration, { method: 'fasp', sparsity })).rejects.toThrow(InputError);
  });
  it('rejects an unknown method', async () => {
    await expect(prune(model, calibration, { method: 'obs' as never, sparsity: 0.2 })).rejects.toThrow(/Unknown pruning method/);
  });
  it('asks for calibration tokens when the method needs them, and not otherwise', async () => {
    await expect(prune(model, [], { method: 'fasp', sparsity: 0.2 })).rejects.toThrow(/Calibration data is empty/);
    await expect(prune(model, [new Int32Array(0)], { method: 'flap', sparsity: 0.2 })).rejects.toThrow(InputError);
    const result = await prune(new TinyDecoder(CONFIG), [], { method: 'magnitude', sparsity: 0.2 });
    expect(result.config.ffn_dims).toEqual([38, 38, 38]);
  });
  it('names the tensor when weights are not finite', async () => {
    const broken = new TinyDecoder(CONFIG);
    (await broken.getLayer(2)).ffn.consumerWeight[5] = Number.NaN;
    await expect(prune(broken, calibration, { method: 'wanda-sp', sparsity: 0.2 })).rejects.toThrow(/layer 2: fc2\.weight contains NaN/);
  });
  it('rejects a negative damping', async () => {
    await expect(prune(model, calibration, { method: 'fasp', sparsity: 0.2, settings: { dampingDelta: -1 } })).rejects.toThrow(InputError);
  });
});
