import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { headActivations } from '../../src/lib/gdbr/activations.ts';
import { GDBR_DEFAULTS, type GdbrConfig } from '../../src/lib/gdbr/config.ts';
import { runGdbrExperiment } from '../../src/lib/gdbr/experiment.ts';
import { buildFederation } from '../../src/lib/gdbr/federation.ts';
import { headFromWeights, headGradients, headLayout, weightName } from '../../src/lib/gdbr/head.ts';
import { FileWeightCache } from '../../src/lib/gdbr/nodeWeightCache.ts';
import { trainToStage } from '../../src/lib/gdbr/stage.ts';
import { runSweep } from '../../src/lib/gdbr/sweep.ts';
import { MemoryWeightCache } from '../../src/lib/gdbr/weightCache.ts';
import { batchGradients } from '../../src/lib/train/gradients.ts';
import { oneHot, subsetImages, type ImageSet } from '../../src/lib/train/imageSet.ts';
import { softmaxCrossEntropy } from '../../src/lib/train/losses.ts';
import { buildModel, type ModelSpec } from '../../src/lib/train/models.ts';
import { loadShippedMnist, useNodeWasmBackend } from '../../src/lib/train/node.ts';
import { readWeights } from '../../src/lib/train/weights.ts';
import { maxRelativeError } from '../helpers/compare.ts';

const SHAPE = { height: 28, width: 28, classes: 10 };
let mnist: ImageSet;

beforeAll(async () => {
  await useNodeWasmBackend();
  mnist = await loadShippedMnist();
});

/** A small run of the lab: untrained MLP, 3000 images (aux 500, test 100, 4 clients). */
function smallConfig(overrides: Partial<GdbrConfig>): GdbrConfig {
  return { ...GDBR_DEFAULTS, trials: 5, federation: { ...GDBR_DEFAULTS.federation, clients: 4, auxSize: 500, testSize: 100 }, ...overrides };
}

describe('the simulated head', () => {
  for (const [label, spec] of [
    ['MLP with two hidden layers (head input = dense1 output)', { kind: 'mlp', hidden: [24, 16] }],
    ['MLP with one hidden layer (head input = pixels)', { kind: 'mlp', hidden: [16] }],
    ['CNN (head input = pooled feature maps)', { kind: 'cnn', filters: [4, 8], kernelSize: 3, hidden: [16] }],
  ] as [string, ModelSpec][]) {
    it(`has analytic gradients equal to tfjs autodiff: ${label}`, async () => {
      const model = buildModel(spec, SHAPE, 3);
      const layout = headLayout(spec);
      const batch = subsetImages(mnist, Array.from({ length: 12 }, (_, i) => 7 * i));
      const autodiff = await batchGradients(model, softmaxCrossEntropy, { inputs: batch.pixels, targets: oneHot(batch.labels, 10), inputSize: 784, targetSize: 10 });
      const head = headFromWeights(await readWeights(model), layout);
      const analytic = headGradients(head, await headActivations(model, layout, batch.pixels), batch.labels);
      const tfjs = (name: string) => autodiff.find((g) => g.name === name)!.values;
      expect(maxRelativeError(analytic.hiddenKernel, tfjs(weightName.hiddenKernel(layout)))).toBeLessThan(1e-4);
      expect(maxRelativeError(analytic.hiddenBias, tfjs(weightName.hiddenBias(layout)))).toBeLessThan(1e-4);
      expect(maxRelativeError(analytic.logitKernel, tfjs(weightName.logitKernel(layout)))).toBeLessThan(1e-4);
      expect(maxRelativeError(analytic.logitBias, tfjs(weightName.logitBias(layout)))).toBeLessThan(1e-4);
      model.dispose();
    });
  }
});

describe('label recovery on MNIST', () => {
  it('iLRG, from the last layer alone, recovers nearly every label of an untrained MLP with no defense', async () => {
    const result = await runGdbrExperiment(mnist, smallConfig({ batchSize: 8, trials: 8, attacks: ['ilrg'], defense: { lastLayer: 'shared', pruneRatio: 0, noiseSigma: 0 } }));
    // Its step 1 (embeddings from ∇W/∇b) is an approximation: most trials are exact, not all.
    const exact = result.trials.filter((trial) => trial.outcomes[0].counts.every((count, c) => count === trial.truth[c])).length;
    expect(exact).toBeGreaterThanOrEqual(6);
    expect(result.summaries[0].metrics.instanceRecovery.mean).toBeGreaterThan(0.95);
    expect(result.summaries[0].mode).toBe('attack');
  });

  it('local steps (E = 5) change what the server sees: same batches, a different update', async () => {
    const config = smallConfig({ batchSize: 16, trials: 2, attacks: ['llg-plus', 'gdbr'] });
    const single = await runGdbrExperiment(mnist, config);
    const local = await runGdbrExperiment(mnist, { ...config, localSteps: 5 });
    expect(local.trials.map((t) => t.truth)).toEqual(single.trials.map((t) => t.truth));
    expect(local.trials[0].trueMeanGradient).not.toEqual(single.trials[0].trueMeanGradient);
    for (const summary of local.summaries) expect(summary.metrics.instanceRecovery.mean).toBeGreaterThan(0);
  });

  it('with the last layer withheld, GDBR still recovers most labels and the baselines run as references', async () => {
    const result = await runGdbrExperiment(mnist, smallConfig({ batchSize: 32, attacks: ['ilrg', 'gdbr', 'gdbr-class'] }));
    const byAttack = Object.fromEntries(result.summaries.map((s) => [s.attack, s]));
    expect(byAttack.ilrg.mode).toBe('reference');
    expect(byAttack.gdbr.mode).toBe('attack');
    expect(byAttack.gdbr.metrics.instanceRecovery.mean).toBeGreaterThan(0.8);
    expect(byAttack['gdbr-class'].metrics.instanceRecovery.mean).toBeGreaterThan(0.8);
    for (const trial of result.trials) expect(trial.truth.reduce((a, b) => a + b, 0)).toBe(32);
  });

  it('a private head (last layer kept local) hurts the bridge, which only knows the global head', async () => {
    const withheld = await runGdbrExperiment(mnist, smallConfig({ batchSize: 32, attacks: ['gdbr-class'] }));
    const local = await runGdbrExperiment(mnist, smallConfig({ batchSize: 32, attacks: ['gdbr-class'], defense: { lastLayer: 'local', pruneRatio: 0, noiseSigma: 0 } }));
    // Same seed, same batches: only the victim's head differs.
    expect(local.trials.map((t) => t.truth)).toEqual(withheld.trials.map((t) => t.truth));
    expect(local.summaries[0].metrics.instanceRecovery.mean).toBeLessThan(withheld.summaries[0].metrics.instanceRecovery.mean);
  });

  it('a batch-size sweep reuses one scenario and reports every attack at every value', async () => {
    const stages: number[] = [];
    const sweep = await runSweep(mnist, smallConfig({ trials: 2, attacks: ['llg', 'gdbr'] }), 'batchSize', [4, 16], {
      progress: (p) => {
        if (p.phase.endsWith('Auxiliary statistics') && p.done === 0) stages.push(p.done);
      },
    });
    expect(sweep.points.map((p) => p.value)).toEqual([4, 16]);
    expect(sweep.points.every((p) => p.summaries.length === 2)).toBe(true);
    expect(stages.length).toBe(1);
  });
});

describe('training stages', () => {
  it('are cached per round: asking again trains nothing and gives the same weights, also from files', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'gdbr-cache-'));
    try {
      const spec = { ...GDBR_DEFAULTS.federation, clients: 2, auxSize: 100, testSize: 100, rounds: 1 };
      const data = subsetImages(mnist, Array.from({ length: 600 }, (_, i) => i));
      const federation = buildFederation(data, spec, 5);
      const mlp: ModelSpec = { kind: 'mlp', hidden: [8] };
      const train = async (cache: MemoryWeightCache | FileWeightCache) => {
        const model = buildModel(mlp, SHAPE, 1);
        const steps: [number, number][] = [];
        const weights = await trainToStage(model, federation, { modelKind: 'mlp', spec, seed: 5, trainingSeed: 9, cache, onStep: (done, total) => steps.push([done, total]) });
        model.dispose();
        return { weights, steps };
      };
      const files = new FileWeightCache(folder);
      const first = await train(files);
      const again = await train(new FileWeightCache(folder));
      // Progress counts every local step: the last report is total of total.
      expect(first.steps.length).toBeGreaterThan(2);
      expect(first.steps.at(-1)![0]).toBe(first.steps.at(-1)![1]);
      expect(again.steps).toEqual([]);
      expect(again.weights.map((w) => w.name)).toEqual(first.weights.map((w) => w.name));
      again.weights.forEach((w, i) => expect(Array.from(w.values)).toEqual(Array.from(first.weights[i].values)));
      const initial = buildModel(mlp, SHAPE, 1);
      expect(Array.from((await readWeights(initial))[0].values)).not.toEqual(Array.from(first.weights[0].values));
      initial.dispose();
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
