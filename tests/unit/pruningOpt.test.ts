import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCliModel, type CliModelWithTokenizer } from '../../src/cli/commands/optModel.ts';
import { cpuPruneKernels, writePrunedModel } from '../../src/cli/commands/pruneNode.ts';
import { nodeTf } from '../../src/lib/opt/cpu/nodeTf.ts';
import { sequenceLogits } from '../../src/lib/opt/forward.ts';
import { Rng } from '../../src/lib/util/random.ts';
import {
  batchWindows,
  blockedCholesky,
  CalibrationStatsAccumulator,
  choleskyFactor,
  keepCountFor,
  OptLayerRunner,
  prune,
  PRUNE_METHODS,
  pruneOptModel,
  restoreBlocked,
  restoreCpu,
  selectTopColumns,
  windowsPerBatch,
  type PruneCalibration,
} from '../../src/lib/pruning/index.ts';
import { tfDenseProduct } from '../../src/lib/pruning/tfDenseProduct.ts';
import { maxRelativeError } from '../helpers/compare.ts';

/**
 * The pruning pipeline on the real OPT runtime (CPU path, tfjs-wasm products) with the embedded
 * mini-OPT: the correctness checks where phase 1 checked them on the TinyDecoder stand-in.
 */
const rng = new Rng(4242);
const EVAL_IDS = Int32Array.from({ length: 48 }, () => 4 + rng.int(4000));

function randomCalibration(windows: number, seqLen: number, seed: number): PruneCalibration {
  const r = new Rng(seed);
  return { windows: Array.from({ length: windows }, () => Int32Array.from({ length: seqLen }, () => 4 + r.int(4000))), seqLen, label: 'random ids' };
}

const outDirs: string[] = [];
afterAll(() => outDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const CALIBRATION = randomCalibration(3, 64, 5);

/** Channel granularity and uniform layers for every method (these tests compare the same selections). */
async function prunedEmbedded(method: (typeof PRUNE_METHODS)[number], sparsity: number, model?: CliModelWithTokenizer) {
  const opened = model ?? (await openCliModel('embedded'));
  const settings = { granularity: 'channel' as const };
  const result = await pruneOptModel(opened.runtime, CALIBRATION, { method, sparsity, allocation: 'uniform', settings, kernels: await cpuPruneKernels({ residual: true }), measureError: true });
  return { model: opened, result };
}

describe('pruning the embedded OPT model', () => {
  it('with s = 0 changes no logit, for every method', async () => {
    const model = await openCliModel('embedded');
    const before = await sequenceLogits(model.runtime, EVAL_IDS);
    for (const method of PRUNE_METHODS) {
      const { result } = await prunedEmbedded(method, 0, model);
      expect(result.params.after).toEqual(result.params.before);
      expect(maxRelativeError(await sequenceLogits(model.runtime, EVAL_IDS), before), method).toBe(0);
    }
  });

  it('removing FFN and value channels whose activation is always 0 leaves the logits unchanged (coupled structure is exact)', async () => {
    const model = await openCliModel('embedded');
    const { runtime, config } = model;
    const s = 0.1;
    const dead = { ffn: config.ffnDim - keepCountFor(config.ffnDim, s), value: config.hiddenSize - keepCountFor(config.hiddenSize, s) };
    const deadValues: number[][] = [];
    for (let l = 0; l < config.numLayers; l++) {
      const weights = await runtime.getLayerWeights(l);
      // Dead FFN channel j: fc1 row j is 0 and its bias −1, so ReLU(·) is 0 for every token.
      const ffn = Array.from({ length: dead.ffn }, (_, i) => (7 * i + l) % config.ffnDim);
      for (const j of ffn) {
        weights.fc1.weight.fill(0, j * config.hiddenSize, (j + 1) * config.hiddenSize);
        weights.fc1.bias![j] = -1;
      }
      // Dead value channel c: v_proj row c and its bias are 0, so out_proj's input column c is 0.
      const value = Array.from({ length: dead.value }, (_, i) => (11 * i + 3 * l) % config.hiddenSize);
      for (const c of value) {
        weights.vProj.weight.fill(0, c * config.hiddenSize, (c + 1) * config.hiddenSize);
        weights.vProj.bias![c] = 0;
      }
      await runtime.setLayerWeights(l, weights);
      deadValues.push(value);
    }
    // The trained model has FFN channels of its own that never fire on the calibration tokens (score 0
    // too), so which zero-score FFN channels go is a tie; the logits on those tokens are unchanged
    // exactly when only channels that are 0 there went.
    const tokens = CALIBRATION.windows[0];
    const before = await sequenceLogits(runtime, tokens);
    const { result } = await prunedEmbedded('fasp', s, model);
    result.reports.forEach((report, l) => expect([...report.attention.kept].some((c) => deadValues[l].includes(c))).toBe(false));
    expect(runtime.config.ffnDims).toEqual(Array(config.numLayers).fill(config.ffnDim - dead.ffn));
    expect(maxRelativeError(await sequenceLogits(runtime, tokens), before)).toBeLessThan(1e-5);
  });

  it('FASP with restoration has a layer-0 output error ≤ that of Wanda-sp at every s (same dense inputs)', async () => {
    for (const s of [0.2, 0.5]) {
      const fasp = (await prunedEmbedded('fasp', s)).result.reports[0];
      const wanda = (await prunedEmbedded('wanda-sp', s)).result.reports[0];
      for (const group of ['ffn', 'attention'] as const) {
        expect([...fasp[group].kept]).toEqual([...wanda[group].kept]);
        expect(fasp[group].outputError!).toBeLessThanOrEqual(wanda[group].outputError!);
        expect(fasp[group].relativeResidual!).toBeLessThan(1e-4);
      }
    }
  });

  it("reusing the calibration pass's attention output in propagation keeps the channels and weights of a run that recomputes it", async () => {
    const { runtime } = await openCliModel('embedded');
    const kernels = await cpuPruneKernels();
    const batches = batchWindows(CALIBRATION.windows, windowsPerBatch(CALIBRATION.seqLen));
    const run = async (reuse: boolean) => {
      const runner = new OptLayerRunner(runtime, CALIBRATION.seqLen);
      // Without captureLayer the pipeline runs whole layers and nothing is kept for reuse.
      if (!reuse) Object.assign(runner, { captureLayer: undefined });
      try {
        return await prune(runner, batches, { method: 'fasp', sparsity: 0.3, allocation: 'uniform', settings: { granularity: 'channel' }, stats: kernels.stats, solver: kernels.solver });
      } finally {
        await runner.restoreDense();
      }
    };
    const [reused, recomputed] = [await run(true), await run(false)];
    reused.layers.forEach((layer, l) => {
      for (const group of ['ffn', 'attention'] as const) {
        expect([...reused.reports[l][group].kept]).toEqual([...recomputed.reports[l][group].kept]);
        expect(maxRelativeError(layer[group].consumerWeight, recomputed.layers[l][group].consumerWeight)).toBeLessThan(1e-5);
        expect(maxRelativeError(layer[group].consumerBias, recomputed.layers[l][group].consumerBias)).toBeLessThan(1e-5);
      }
    });
  });

  it('exports a pruned model that reloads with the same widths and the same logits', async () => {
    const { model, result } = await prunedEmbedded('fasp', 0.3);
    const logits = await sequenceLogits(model.runtime, EVAL_IDS);
    const out = mkdtempSync(path.join(tmpdir(), 'paperlab-pruned-'));
    outDirs.push(out);
    const files = await writePrunedModel(model, 'embedded', out, { method: 'fasp', sparsity: 0.3 });
    expect(files).toEqual(expect.arrayContaining(['model.safetensors', 'config.json', 'tokenizer.json']));
    const reloaded = await openCliModel(out);
    expect(reloaded.config.ffnDims).toEqual(result.widths.ffn_dims);
    expect(reloaded.config.vHeadDims).toEqual(result.widths.v_head_dims);
    expect(maxRelativeError(await sequenceLogits(reloaded.runtime, EVAL_IDS), logits)).toBe(0);
  });
});

describe('the fast CPU path (tfjs-wasm products) against the float64 twins', () => {
  it('the blocked Cholesky factor equals the unblocked float64 one', async () => {
    const product = tfDenseProduct(await nodeTf());
    for (const n of [70, 200]) {
      const x = rng.fillNormal(new Float32Array(3 * n * n)); // [3n, n]
      const a = new Float64Array(n * n);
      for (let t = 0; t < 3 * n; t++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] += x[t * n + i] * x[t * n + j];
      const blocked = blockedCholesky(a, n, product, 64);
      expect(maxRelativeError(blocked.l, choleskyFactor(a, n))).toBeLessThan(1e-4);
    }
  });

  it('the blocked restoration equals the float64 least-squares restoration', async () => {
    const product = tfDenseProduct(await nodeTf());
    for (const { rows, n, keep, dOut } of [
      { rows: 400, n: 150, keep: 101, dOut: 30 },
      { rows: 500, n: 260, keep: 190, dOut: 17 },
    ]) {
      const x = rng.fillNormal(new Float32Array(rows * n));
      const stats = new CalibrationStatsAccumulator(n, { gram: true });
      stats.add(x, rows);
      const input = { weight: rng.fillNormal(new Float32Array(dOut * n)), bias: rng.fillNormal(new Float32Array(dOut)), dOut, n, kept: selectTopColumns(rng.fillUniform(new Float32Array(n)), keep), stats: stats.finish() };
      for (const refitBias of [false, true]) {
        const options = { dampingDelta: 0.01, refitBias };
        const exact = restoreCpu(input, options);
        const fast = restoreBlocked(input, options, product, { block: 64, residual: true });
        expect(maxRelativeError(fast.weightKept, exact.weightKept)).toBeLessThan(1e-4);
        expect(maxRelativeError(fast.bias, exact.bias)).toBeLessThan(1e-4);
        expect(fast.relativeResidual).toBeLessThan(1e-4);
      }
    }
  });

  it('the Gram accumulated with products equals the float64 one (dense chunks, several blocks)', async () => {
    const product = tfDenseProduct(await nodeTf());
    for (const n of [100, 300, 530]) {
      const rows = 90;
      const x = rng.fillNormal(new Float32Array(rows * n));
      const fast = new CalibrationStatsAccumulator(n, { gram: true, product });
      const exact = new CalibrationStatsAccumulator(n, { gram: true });
      for (const acc of [fast, exact]) {
        acc.add(x.subarray(0, 40 * n), 40);
        acc.add(x.subarray(40 * n), rows - 40);
      }
      const [g, want] = [fast.finish().gram!, exact.finish().gram!];
      expect(maxRelativeError(g, want)).toBeLessThan(1e-5);
    }
  });
});

describe('the prune command', () => {
  it('prunes, evaluates and writes a folder that the ppl command reads', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'paperlab-prune-cli-'));
    outDirs.push(out);
    const { run: prune } = await import('../../src/cli/commands/prune.ts');
    const line = await prune(['--model', 'embedded', '--method', 'flap', '--sparsity', '0.3', '--nsamples', '2', '--seqlen', '64', '--eval-seqlen', '64', '--eval-windows', '2', '--out', out]);
    expect(line).toMatchObject({ method: 'flap', sparsity: 0.3, calibration: { windows: 2, seqLen: 64, tokens: 128 } });
    expect(line.params.after.total).toBeLessThan(line.params.before.total);
    expect(Number.isFinite(line.pplBefore) && Number.isFinite(line.pplAfter)).toBe(true);
    expect(Object.keys(line.seconds)).toEqual(expect.arrayContaining(['calibrate', 'restore', 'propagate', 'prune', 'export']));
    const { run: ppl } = await import('../../src/cli/commands/ppl.ts');
    const reread = await ppl(['--model', out, '--seqlen', '64', '--max-windows', '2']);
    expect(reread.ppl).toBeCloseTo(line.pplAfter!, 3);
  });

  it('names the method it does not know', async () => {
    const { run: prune } = await import('../../src/cli/commands/prune.ts');
    await expect(prune(['--model', 'embedded', '--method', 'obs'])).rejects.toMatchObject({ name: 'InputError', message: expect.stringMatching(/--method obs is not a pruning method/) });
  });
});
