import { describe, expect, it } from 'vitest';
import { cpuStatsFactory, type StatsFactory } from '../../src/lib/pruning/layerRunner.ts';
import { DEFAULT_METHOD_SETTINGS, residentCapable } from '../../src/lib/pruning/methods.ts';
import { columnScores } from '../../src/lib/pruning/metrics.ts';
import { prune, type PruneOptions } from '../../src/lib/pruning/pipeline.ts';
import type { ResidentStats } from '../../src/lib/pruning/residentStats.ts';
import { restoreCpu } from '../../src/lib/pruning/restoration.ts';
import { TinyDecoder } from '../../src/lib/pruning/tinyDecoder.ts';
import { selectTopColumns } from '../../src/lib/pruning/topK.ts';
import { Rng } from '../../src/lib/util/random.ts';

/**
 * The pipeline's resident route (statistics that stay where they were accumulated, residentStats.ts)
 * in Node, with a float64 stand-in for the GPU: a sink whose `finishResident` scores, selects and
 * restores with the CPU path's own functions. The route must then give exactly the CPU path's result,
 * be taken only where `residentCapable` says so, and release every resident statistic.
 */
function residentTwin(counts: { finished: number; released: number }): StatsFactory<Float32Array> {
  return (width, options) => {
    const sink = cpuStatsFactory(width, options);
    return {
      add: (x, rows) => sink.add(x, rows),
      finish: () => sink.finish(),
      async finishResident(): Promise<ResidentStats> {
        const stats = await sink.finish();
        counts.finished++;
        return {
          width,
          tokens: stats.tokens,
          async prune({ weight, bias, dOut, n, keep, metric, restore }) {
            const wanda = { kind: 'wanda' as const, norm: metric === 'wanda-l1' ? ('l1' as const) : ('l2' as const) };
            const kept = selectTopColumns(columnScores(wanda, { weight, dOut, n }, stats), keep);
            const timingsMs = { score: 0, select: 0, restore: 0 };
            if (!restore) return { kept, timingsMs };
            const restored = restoreCpu({ weight, bias: bias!, dOut, n, kept, stats }, restore);
            return { kept, weightKept: restored.weightKept, bias: restore.refitBias ? restored.bias : undefined, lambda: restored.lambda, relativeResidual: restored.relativeResidual, timingsMs };
          },
          release: () => void counts.released++,
        };
      },
    };
  };
}

const CONFIG = { vocabSize: 40, hiddenSize: 16, numHeads: 4, ffnDim: 40, numLayers: 2, maxPositions: 24, seed: 9 };
const windowRng = new Rng(2);
const CALIBRATION = Array.from({ length: 3 }, () => Int32Array.from({ length: 20 }, () => windowRng.int(CONFIG.vocabSize)));

async function both(options: PruneOptions) {
  const counts = { finished: 0, released: 0 };
  const want = await prune(new TinyDecoder(CONFIG), CALIBRATION, options);
  const got = await prune(new TinyDecoder(CONFIG), CALIBRATION, { ...options, stats: residentTwin(counts) });
  return { want, got, counts };
}

describe('the resident route of the pipeline', () => {
  it('gives exactly the CPU path’s FASP result and releases every resident statistic', async () => {
    const { want, got, counts } = await both({ method: 'fasp', sparsity: 0.3 });
    expect(counts).toEqual({ finished: 2 * CONFIG.numLayers, released: 2 * CONFIG.numLayers });
    expect(got.layers).toEqual(want.layers);
    got.reports.forEach((report, l) => {
      expect([...report.ffn.kept]).toEqual([...want.reports[l].ffn.kept]);
      expect(report.attention.lambda).toBe(want.reports[l].attention.lambda);
    });
  });

  it('gives exactly the CPU path’s result with the bias refit', async () => {
    const { want, got, counts } = await both({ method: 'fasp', sparsity: 0.3, settings: { refitBias: true } });
    expect(counts.finished).toBe(2 * CONFIG.numLayers);
    expect(got.layers).toEqual(want.layers);
    expect([...got.layers[0].ffn.consumerBias]).not.toEqual([...(await new TinyDecoder(CONFIG).getLayer(0)).ffn.consumerBias]);
  });

  it('selects without restoring for fasp-norestore', async () => {
    const { want, got, counts } = await both({ method: 'fasp-norestore', sparsity: 0.5 });
    expect(counts.finished).toBe(2 * CONFIG.numLayers);
    expect(got.layers).toEqual(want.layers);
  });

  it('is not taken for FLAP, head granularity or the error measure', async () => {
    for (const options of [
      { method: 'flap', sparsity: 0.3, allocation: 'uniform' },
      { method: 'fasp', sparsity: 0.3, measureError: true },
    ] satisfies PruneOptions[]) {
      const { want, got, counts } = await both(options);
      expect(counts.finished, options.method).toBe(0);
      expect(got.layers).toEqual(want.layers);
    }
    // wanda-sp prunes heads by default: its FFN group goes resident, its attention group does not.
    const { want, got, counts } = await both({ method: 'wanda-sp', sparsity: 0.5 });
    expect(counts.finished).toBe(CONFIG.numLayers);
    expect(got.layers).toEqual(want.layers);
  });

  it('residentCapable: the wanda metric by channels, no error measure', () => {
    const settings = DEFAULT_METHOD_SETTINGS;
    expect(residentCapable('fasp', 'ffn', settings, false)).toBe(true);
    expect(residentCapable('fasp', 'attention', settings, false)).toBe(true);
    expect(residentCapable('fasp', 'ffn', { ...settings, refitBias: true }, false)).toBe(true);
    expect(residentCapable('fasp', 'ffn', settings, true)).toBe(false);
    expect(residentCapable('wanda-sp', 'attention', settings, false)).toBe(false);
    expect(residentCapable('wanda-sp', 'attention', { ...settings, granularity: 'channel' }, false)).toBe(true);
    for (const method of ['flap', 'magnitude', 'random'] as const) expect(residentCapable(method, 'ffn', settings, false)).toBe(false);
  });
});
