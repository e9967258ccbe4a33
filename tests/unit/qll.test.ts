import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/errors.ts';
import { QLL_DEFAULTS, checkQllConfig } from '../../src/lib/qll/config.ts';
import { classPriors, cpuRisk, cpuRiskTerms, surrogateLoss, type NnpuSettings, type Surrogate } from '../../src/lib/qll/cpuRisk.ts';
import { prepareQllData, runQllExperiment } from '../../src/lib/qll/experiment.ts';
import { QLL_METHODS } from '../../src/lib/qll/methods.ts';
import { ambiguousExamples, mixAmbiguous, type AmbiguousSet } from '../../src/lib/qll/mixing.ts';
import { paramsFromSettings, settingsFromParams, variantConfig } from '../../src/lib/qll/variants.ts';
import type { ImageSet } from '../../src/lib/train/imageSet.ts';
import { loadShippedMnist, useNodeWasmBackend } from '../../src/lib/train/node.ts';

beforeAll(async () => {
  await useNodeWasmBackend();
});

const LN3 = Math.log(3); // σ(ln 3) = 3/4, σ(−ln 3) = 1/4, σ(0) = 1/2

/** The tensor version of the risk: value and nnPU objective as numbers. */
function riskTerms(scores: number[], labels: number[], priors: number[], nnpu: NnpuSettings) {
  return tf.tidy(() => {
    const classes = priors.length;
    const positives = tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() as tf.Tensor2D;
    const { value, objective } = cpuRiskTerms(tf.tensor2d(scores, [labels.length, classes]), positives, tf.tensor1d(priors), nnpu);
    return { value: value.dataSync()[0], objective: objective!.dataSync()[0] };
  });
}

describe('CPU risk', () => {
  const sigmoid: NnpuSettings = { beta: 0, gamma: 1, surrogate: 'sigmoid' };

  it('equals the hand-computed value on a tiny batch (sigmoid loss)', () => {
    // Three samples, two classes, π = (2/3, 1/3).
    //   class 0, positives {0, 2}: f = ln3, −ln3 → E_P ℓ(+1) = (¼ + ¾)/2 = ½, E_P ℓ(−1) = ½,
    //            E_U ℓ(−1) = (¾ + ½ + ¼)/3 = ½, N₀ = ½ − ⅔·½ = ⅙, risk₀ = ⅔·½ + ⅙ = ½.
    //   class 1, positive {1}: f = −ln3 → E_P ℓ(+1) = ¾, E_P ℓ(−1) = ¼,
    //            E_U ℓ(−1) = (½ + ¼ + ¾)/3 = ½, N₁ = ½ − ⅓·¼ = 5/12, risk₁ = ⅓·¾ + 5/12 = ⅔.
    //   R = ½ + ⅔ = 7/6.
    const scores = [LN3, 0, 0, -LN3, -LN3, LN3];
    const labels = [0, 1, 0];
    const priors = [2 / 3, 1 / 3];
    const reference = cpuRisk(scores, labels, priors);
    expect(reference.risk).toBeCloseTo(7 / 6, 12);
    expect(reference.classes[1].negativeRisk).toBeCloseTo(5 / 12, 12);
    const { value, objective } = riskTerms(scores, labels, priors, sigmoid);
    expect(value).toBeCloseTo(7 / 6, 6);
    // Both N_k ≥ 0 = −β: the objective is the plain risk.
    expect(objective).toBeCloseTo(7 / 6, 6);
  });

  it('clips a negative class risk at zero and takes nnPU’s correction step there (β, γ)', () => {
    // π = (0.9, 0.1) overstates class 0: N₀ = ½·(¾ + ¼) − 0.9·¾ = −0.175 < 0.
    //   risk₀ = 0.9·¼ + max(0, −0.175) = 0.225; risk₁ = 0.1·½ + (½ − 0.1·½) = ½; R = 0.725.
    const scores = [LN3, 0, -LN3, 0];
    const labels = [0, 1];
    const priors = [0.9, 0.1];
    expect(cpuRisk(scores, labels, priors).classes[0].negativeRisk).toBeCloseTo(-0.175, 12);
    expect(cpuRisk(scores, labels, priors).risk).toBeCloseTo(0.725, 12);
    // β = 0, γ = 1: class 0 descends −γ·N₀ = 0.175; class 1 its risk ½.
    expect(riskTerms(scores, labels, priors, sigmoid)).toEqual({ value: expect.closeTo(0.725, 6), objective: expect.closeTo(0.675, 6) });
    // γ = ½ halves the correction step.
    expect(riskTerms(scores, labels, priors, { ...sigmoid, gamma: 0.5 }).objective).toBeCloseTo(0.0875 + 0.5, 6);
    // β = 0.2 tolerates N₀ = −0.175: class 0 descends its unclipped risk 0.225 − 0.175 = 0.05.
    expect(riskTerms(scores, labels, priors, { ...sigmoid, beta: 0.2 }).objective).toBeCloseTo(0.55, 6);
  });

  for (const surrogate of ['sigmoid', 'logistic'] as Surrogate[]) {
    it(`has a gradient that matches finite differences (${surrogate} loss)`, () => {
      // Random scores, 6 samples, 3 classes; central differences of the float64 reference.
      const scores = Array.from({ length: 18 }, (_, i) => 1.7 * Math.sin(1.3 * i + 0.4));
      const labels = [0, 1, 2, 0, 1, 0];
      const priors = [0.5, 0.3, 0.2];
      const settings: NnpuSettings = { beta: 0, gamma: 1, surrogate };
      const analytic = tf.tidy(() => {
        const positives = tf.oneHot(tf.tensor1d(labels, 'int32'), 3).toFloat() as tf.Tensor2D;
        return tf.grad((f: tf.Tensor) => cpuRiskTerms(f as tf.Tensor2D, positives, tf.tensor1d(priors), settings).value)(tf.tensor2d(scores, [6, 3])).dataSync();
      });
      const h = 1e-5;
      const numeric = scores.map((_, i) => {
        const up = scores.slice();
        const down = scores.slice();
        up[i] += h;
        down[i] -= h;
        return (cpuRisk(up, labels, priors, surrogate).risk - cpuRisk(down, labels, priors, surrogate).risk) / (2 * h);
      });
      for (let i = 0; i < scores.length; i++) expect(analytic[i]).toBeCloseTo(numeric[i], 4);
      expect(Math.max(...numeric.map(Math.abs))).toBeGreaterThan(0.01);
    });
  }

  it('has the surrogate losses and priors it claims', () => {
    expect(surrogateLoss('sigmoid', LN3, 1)).toBeCloseTo(0.25, 12);
    expect(surrogateLoss('sigmoid', LN3, -1)).toBeCloseTo(0.75, 12);
    expect(surrogateLoss('logistic', 0, 1)).toBeCloseTo(Math.log(2), 12);
    expect(surrogateLoss('logistic', -800, 1)).toBeCloseTo(800, 9);
    expect(classPriors([0, 0, 1, 2], 4)).toEqual([0.5, 0.25, 0.25, 0]);
  });
});

/** 20 000 one-pixel images of 10 classes, for statistics of the mixer. */
function toySet(count: number): ImageSet {
  return {
    pixels: Float32Array.from({ length: count }, (_, i) => (i % 10) / 10),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
    count, height: 1, width: 1, classes: 10,
  };
}

/** Pearson χ² of observed against expected counts. */
function chiSquare(observed: number[], expected: number[]): number {
  return observed.reduce((sum, o, i) => sum + (o - expected[i]) ** 2 / expected[i], 0);
}

/**
 * Two χ² tests that the quantized labels are draws from the soft labels, at significance α = 0.01:
 *   per class: observed label counts against Σ_i s_ik (df = 9, critical value 21.666);
 *   per λ band: how often the label is the image's own class a, against Σ λ (4 bands of
 *   (0.3, 0.7), two outcomes each, df = 4, critical value 13.277).
 */
function quantizationStatistics(set: AmbiguousSet, quantized: ArrayLike<number>) {
  const observed = new Array(10).fill(0);
  const expected = new Array(10).fill(0);
  const bandObserved = new Array(8).fill(0);
  const bandExpected = new Array(8).fill(0);
  for (let i = 0; i < set.count; i++) {
    observed[quantized[i]]++;
    for (let k = 0; k < 10; k++) expected[k] += set.softLabels[i * 10 + k];
    const band = Math.min(3, Math.floor((set.lambdas[i] - 0.3) / 0.1));
    const isOwnClass = quantized[i] === set.labels[i] ? 0 : 1;
    bandObserved[2 * band + isOwnClass]++;
    bandExpected[2 * band] += set.lambdas[i];
    bandExpected[2 * band + 1] += 1 - set.lambdas[i];
  }
  return { perClass: chiSquare(observed, expected), perBand: chiSquare(bandObserved, bandExpected) };
}

describe('ambiguous-data generator', () => {
  const mixed = mixAmbiguous(toySet(20000), { fraction: 1, lambda: { kind: 'uniform', lo: 0.3, hi: 0.7 }, seed: 12 });

  it('quantized labels follow the soft labels (χ², 20 000 draws, seed 12, α = 0.01)', () => {
    const { perClass, perBand } = quantizationStatistics(mixed, mixed.quantizedLabels);
    expect(perClass).toBeLessThan(21.666);
    expect(perBand).toBeLessThan(13.277);
  });

  it('the same χ² test rejects labels that ignore the soft labels (its power check)', () => {
    // Always the image's own class a: the right class totals, the wrong frequencies within each band.
    expect(quantizationStatistics(mixed, mixed.labels).perBand).toBeGreaterThan(13.277);
    // The partner class b with probability λ instead of 1−λ.
    const swapped = mixed.quantizedLabels.map((label, i) => (label === mixed.labels[i] ? mixed.partnerClasses[i] : mixed.labels[i]));
    expect(quantizationStatistics(mixed, swapped).perBand).toBeGreaterThan(13.277);
  });

  it('mixes pixels as λ·x_a + (1−λ)·x_b with soft label λ·e_a + (1−λ)·e_b', () => {
    const source = toySet(200);
    const set = mixAmbiguous(source, { fraction: 0.5, lambda: { kind: 'beta', alpha: 2, beta: 2 }, seed: 3 });
    expect(set.mixedCount).toBe(100);
    const examples = ambiguousExamples(set, 1000);
    expect(examples.length).toBe(100);
    for (const i of examples) {
      const a = set.labels[i];
      const b = set.partnerClasses[i];
      const lambda = set.lambdas[i];
      expect(b).not.toBe(a);
      expect(source.labels[set.partnerIndices[i]]).toBe(b);
      expect(set.pixels[i]).toBeCloseTo(lambda * source.pixels[i] + (1 - lambda) * source.pixels[set.partnerIndices[i]], 6);
      expect(set.softLabels[i * 10 + a]).toBeCloseTo(lambda, 6);
      expect(set.softLabels[i * 10 + b]).toBeCloseTo(1 - lambda, 6);
      expect([a, b]).toContain(set.quantizedLabels[i]);
    }
    const clean = Array.from({ length: 200 }, (_, i) => i).filter((i) => set.partnerClasses[i] < 0);
    for (const i of clean) {
      expect(set.pixels[i]).toBe(source.pixels[i]);
      expect(set.quantizedLabels[i]).toBe(source.labels[i]);
    }
  });

  it('is reproducible by seed and refuses bad settings', () => {
    const again = mixAmbiguous(toySet(20000), { fraction: 1, lambda: { kind: 'uniform', lo: 0.3, hi: 0.7 }, seed: 12 });
    expect(Array.from(again.quantizedLabels.subarray(0, 50))).toEqual(Array.from(mixed.quantizedLabels.subarray(0, 50)));
    expect(() => mixAmbiguous(toySet(10), { fraction: 1.2, lambda: { kind: 'fixed', value: 0.5 }, seed: 0 })).toThrow(RangeError);
    expect(() => mixAmbiguous(toySet(10), { fraction: 1, lambda: { kind: 'uniform', lo: 0.8, hi: 0.2 }, seed: 0 })).toThrow(RangeError);
  });
});

describe('methods', () => {
  const set = mixAmbiguous(toySet(100), { fraction: 1, lambda: { kind: 'fixed', value: 0.7 }, seed: 1 });
  const settings = { smoothing: 0.1, nnpu: QLL_DEFAULTS.nnpu };

  it('train on the targets they claim', () => {
    const quantized = QLL_METHODS.ce.targets(set, settings);
    const soft = QLL_METHODS.soft.targets(set, settings);
    const smooth = QLL_METHODS.smooth.targets(set, settings);
    const q = set.quantizedLabels[0];
    expect(quantized[q]).toBe(1);
    expect(soft[set.labels[0]]).toBeCloseTo(0.7, 6);
    expect(smooth[q]).toBeCloseTo(0.9 + 0.01, 6);
    expect(smooth[(q + 1) % 10]).toBeCloseTo(0.01, 6);
    expect(Array.from(QLL_METHODS.cpu.targets(set, settings))).toEqual(Array.from(quantized));
    expect(QLL_METHODS.soft.oracle).toBe(true);
  });
});

describe('config', () => {
  it('accepts the defaults and names the field that is out of range', () => {
    expect(checkQllConfig(QLL_DEFAULTS)).toBe(QLL_DEFAULTS);
    expect(() => checkQllConfig({ ...QLL_DEFAULTS, mixFraction: 2 })).toThrow(InputError);
    expect(() => checkQllConfig({ ...QLL_DEFAULTS, epochs: 0 })).toThrow(/epochs/);
    expect(() => checkQllConfig({ ...QLL_DEFAULTS, nnpu: { ...QLL_DEFAULTS.nnpu, gamma: 0 } })).toThrow(/γ/);
  });
});

describe('page settings in the URL', () => {
  it('round-trip through URL parameters, and name a bad one', () => {
    const settings = settingsFromParams(new URLSearchParams('methods=ce,cpu-logistic&mix=0.3&epochs=4&model=cnn&hidden=32&gamma=0.5'));
    expect(settings.variants).toEqual(['ce', 'cpu-logistic']);
    expect(settings.shared.model).toEqual({ kind: 'cnn', filters: [8, 16], kernelSize: 3, hidden: [32] });
    const params = new URLSearchParams(Object.entries(paramsFromSettings(settings)).map(([k, v]) => [k, String(v)]));
    expect(settingsFromParams(params)).toEqual(settings);
    expect(variantConfig(settings.shared, 'cpu-logistic').nnpu).toEqual({ beta: 0, gamma: 0.5, surrogate: 'logistic' });
    expect(() => settingsFromParams(new URLSearchParams('methods=ce,magic'))).toThrow(/unknown method magic/);
    expect(() => settingsFromParams(new URLSearchParams('epochs=lots'))).toThrow(/epochs=lots is not a number/);
  });
});

describe('QLL experiment', () => {
  it('splits by seed, mixes only the training part, and reports finite metrics', async () => {
    const mnist = await loadShippedMnist();
    const config = { ...QLL_DEFAULTS, method: 'ce' as const, epochs: 1, split: { train: 0.06, validation: 0.02, test: 0.03 }, ambiguousTestCount: 100, model: { kind: 'mlp' as const, hidden: [32] } };
    const data = prepareQllData(mnist, config);
    expect([data.train.count, data.validation.count, data.test.count, data.ambiguousTest.count]).toEqual([600, 200, 300, 100]);
    expect(data.train.mixedCount).toBe(300);
    const epochs: number[] = [];
    const result = await runQllExperiment(mnist, config, { onEpoch: (epoch) => epochs.push(epoch.epoch), keepWeights: true });
    expect(epochs).toEqual([1]);
    expect(result.metrics.testAccuracy).toBeGreaterThan(0.3);
    expect(result.metrics.testEce).toBeGreaterThanOrEqual(0);
    expect(result.metrics.ambiguousKl).toBeGreaterThan(0);
    expect(result.confusion.reduce((a, b) => a + b)).toBe(300);
    expect(result.weights?.map((w) => w.name)).toEqual(['dense1/kernel', 'dense1/bias', 'logits/kernel', 'logits/bias']);
    expect(result.epochs[0].metrics.validationAccuracy).toBeGreaterThan(0.3);
  });
});
