import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/errors.ts';
import { QLL_DEFAULTS, checkQllConfig } from '../../src/lib/qll/config.ts';
import { cpuRisk, cpuRiskTerms, NNPU_DEFAULTS, softmaxLogOdds, surrogateLoss, type NnpuSettings, type Surrogate } from '../../src/lib/qll/cpuRisk.ts';
import { prepareQllData, runQllExperiment } from '../../src/lib/qll/experiment.ts';
import { cpuPriors, QLL_METHODS } from '../../src/lib/qll/methods.ts';
import { ambiguousExamples, DEFAULT_LAMBDA, mixAmbiguous, type AmbiguousSet } from '../../src/lib/qll/mixing.ts';
import { lambdaMoments, mixingPriors } from '../../src/lib/qll/priors.ts';
import { paramsFromSettings, settingsFromParams, variantConfig } from '../../src/lib/qll/variants.ts';
import type { ImageSet } from '../../src/lib/train/imageSet.ts';
import { loadShippedMnist, useNodeWasmBackend } from '../../src/lib/train/node.ts';

beforeAll(async () => {
  await useNodeWasmBackend();
});

const LN3 = Math.log(3); // logits (ln 3, 0): softmax (¾, ¼)
const SIGMOID: NnpuSettings = { beta: 0, gamma: 1, surrogate: 'sigmoid', prior: 'mixing' };
const LOGISTIC: NnpuSettings = { ...SIGMOID, surrogate: 'logistic' };

/** The tensor version of the risk: value and nnPU objective as numbers. */
function riskTerms(scores: number[], labels: number[], priors: number[], nnpu: NnpuSettings) {
  return tf.tidy(() => {
    const classes = priors.length;
    const positives = tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() as tf.Tensor2D;
    const { value, objective } = cpuRiskTerms(tf.tensor2d(scores, [labels.length, classes]), positives, tf.tensor1d(priors), nnpu);
    return { value: value.dataSync()[0], objective: objective!.dataSync()[0] };
  });
}

/** One-vs-rest with the same binary losses: mean_i [ℓ(z_{i,y_i}, +1) + Σ_{k≠y_i} ℓ(z_ik, −1)]. */
function oneVsRestRisk(scores: number[], labels: number[], classes: number, surrogate: Surrogate): number {
  let sum = 0;
  labels.forEach((label, i) => {
    const { logOdds } = softmaxLogOdds(scores.slice(i * classes, (i + 1) * classes));
    logOdds.forEach((z, k) => (sum += surrogateLoss(surrogate, z, k === label ? 1 : -1)));
  });
  return sum / labels.length;
}

/**
 * The earlier reading of the paper: every sample is unlabelled for every class and π_k = n_k / n,
 * Σ_k π_k·E_Pk ℓ⁺ + max(0, E_all ℓ⁻ − π_k·E_Pk ℓ⁻) — the audit's degenerate estimator.
 */
function allUnlabelledRisk(scores: number[], labels: number[], classes: number, surrogate: Surrogate): number {
  const logOdds = labels.map((_, i) => softmaxLogOdds(scores.slice(i * classes, (i + 1) * classes)).logOdds);
  let risk = 0;
  for (let k = 0; k < classes; k++) {
    const positives = labels.flatMap((label, i) => (label === k ? [i] : []));
    const prior = positives.length / labels.length;
    const mean = (rows: number[], sign: 1 | -1) => (rows.length ? rows.reduce((sum, i) => sum + surrogateLoss(surrogate, logOdds[i][k], sign), 0) / rows.length : 0);
    risk += prior * mean(positives, 1) + Math.max(0, mean(labels.map((_, i) => i), -1) - prior * mean(positives, -1));
  }
  return risk;
}

describe('CPU risk', () => {
  // Three samples, two classes, labels (0, 1, 0); softmax rows (¾, ¼), (½, ½), (¾, ¼).
  const scores = [LN3, 0, 0, 0, LN3, 0];
  const labels = [0, 1, 0];

  it('equals the hand-computed value on a tiny batch (sigmoid loss: ℓ⁺ = 1 − p_k, ℓ⁻ = p_k)', () => {
    // π = (0.2, 0.1).
    //   class 0: P = {0, 2}, ρ̂ = ⅔: E_P ℓ⁺ = ¼, E_P ℓ⁻ = ¾; U = {1}: E_U ℓ⁻ = ½.
    //            N₀ = ½ − 0.2·¾ = 0.35; R₀ = ⅔·¼ + ⅓·(0.2·¼ + 0.35) = 0.3.
    //   class 1: P = {1}, ρ̂ = ⅓: E_P ℓ⁺ = ½, E_P ℓ⁻ = ½; U = {0, 2}: E_U ℓ⁻ = ¼.
    //            N₁ = ¼ − 0.1·½ = 0.2;   R₁ = ⅓·½ + ⅔·(0.1·½ + 0.2) = ⅓.
    //   R = 19/30; one-vs-rest gives ⅔ on the same batch.
    const priors = [0.2, 0.1];
    const reference = cpuRisk(scores, labels, priors, 'sigmoid');
    expect(reference.risk).toBeCloseTo(19 / 30, 12);
    expect(reference.classes[0].negativeRisk).toBeCloseTo(0.35, 12);
    expect(reference.classes[1].negativeLossOnUnlabelled).toBeCloseTo(0.25, 12);
    expect(oneVsRestRisk(scores, labels, 2, 'sigmoid')).toBeCloseTo(2 / 3, 12);
    const { value, objective } = riskTerms(scores, labels, priors, SIGMOID);
    expect(value).toBeCloseTo(19 / 30, 6);
    expect(objective).toBeCloseTo(19 / 30, 6); // both N_k ≥ 0 = −β: the objective is the risk
  });

  it('equals the hand-computed value on a tiny batch (logistic loss: ℓ⁺ = −log p_k, ℓ⁻ = −log(1 − p_k))', () => {
    // π = (0.2, 0.1). Class 0: E_P ℓ⁺ = log(4/3), E_P ℓ⁻ = log 4, E_U ℓ⁻ = log 2, N₀ = 0.6·log 2.
    // Class 1: E_P ℓ± = log 2, E_U ℓ⁻ = log(4/3). R = (21·log(4/3) + 8·log 2) / 15.
    const expected = (21 * Math.log(4 / 3) + 8 * Math.log(2)) / 15;
    expect(cpuRisk(scores, labels, [0.2, 0.1], 'logistic').risk).toBeCloseTo(expected, 12);
    expect(riskTerms(scores, labels, [0.2, 0.1], LOGISTIC).value).toBeCloseTo(expected, 5);
  });

  it('clips a negative class risk at zero and takes nnPU’s correction step there (β, γ)', () => {
    // π₀ = 0.9 overstates class 0: N₀ = ½ − 0.9·¾ = −0.175 < 0.
    //   R₀ = ⅔·¼ + ⅓·(0.9·¼ + 0) = 0.241 6̄; R₁ = ⅓ as before; R = 0.575.
    const priors = [0.9, 0.1];
    const reference = cpuRisk(scores, labels, priors, 'sigmoid');
    expect(reference.classes[0].negativeRisk).toBeCloseTo(-0.175, 12);
    expect(reference.risk).toBeCloseTo(0.575, 12);
    // β = 0, γ = 1: class 0 descends ⅙ + 0.075 + ⅓·0.175 = 0.3 instead of 0.241 6̄.
    expect(riskTerms(scores, labels, priors, SIGMOID)).toEqual({ value: expect.closeTo(0.575, 6), objective: expect.closeTo(0.3 + 1 / 3, 6) });
    // γ = ½ halves the correction: ⅙ + 0.075 + ⅓·0.0875.
    expect(riskTerms(scores, labels, priors, { ...SIGMOID, gamma: 0.5 }).objective).toBeCloseTo(1 / 6 + 0.075 + 0.0875 / 3 + 1 / 3, 6);
    // β = 0.2 tolerates N₀ = −0.175: class 0 descends its unclipped risk ⅙ + 0.075 − 0.175/3.
    expect(riskTerms(scores, labels, priors, { ...SIGMOID, beta: 0.2 }).objective).toBeCloseTo(1 / 6 + 0.075 - 0.175 / 3 + 1 / 3, 6);
  });

  it('is one-vs-rest at π = 0, and is NOT one-vs-rest with the priors of the mixing procedure', () => {
    // A batch of 64 from a half-mixed toy set, with pseudo-random logits.
    const set = mixAmbiguous(toySet(64), { fraction: 0.5, lambda: DEFAULT_LAMBDA, seed: 5 });
    const batchLabels = Array.from(set.quantizedLabels);
    const logits = Array.from({ length: 64 * 10 }, (_, i) => 2 * Math.sin(0.7 * i + 1.1));
    for (const surrogate of ['sigmoid', 'logistic'] as Surrogate[]) {
      const oneVsRest = oneVsRestRisk(logits, batchLabels, 10, surrogate);
      // The earlier estimator (U = all data, π_k = n_k/n) is one-vs-rest to 9 digits and more.
      expect(Math.abs(allUnlabelledRisk(logits, batchLabels, 10, surrogate) - oneVsRest)).toBeLessThan(1e-9);
      expect(Math.abs(cpuRisk(logits, batchLabels, new Array(10).fill(0), surrogate).risk - oneVsRest)).toBeLessThan(1e-12);
      const priors = cpuPriors(set, { smoothing: 0, nnpu: { ...NNPU_DEFAULTS, surrogate }, mixFraction: 0.5, lambda: DEFAULT_LAMBDA });
      expect(Math.min(...priors)).toBeGreaterThan(0.02);
      const cpu = cpuRisk(logits, batchLabels, priors, surrogate);
      // Without clipping the gap is Σ_k (1 − ρ̂_k)·π_k·(E_Pk ℓ⁺ − E_Pk ℓ⁻): well away from zero here.
      expect(Math.abs(cpu.risk - oneVsRest)).toBeGreaterThan(1e-3);
      expect(riskTerms(logits, batchLabels, priors, { ...NNPU_DEFAULTS, surrogate }).value).toBeCloseTo(cpu.risk, 4);
    }
  });

  for (const surrogate of ['sigmoid', 'logistic'] as Surrogate[]) {
    it(`has a gradient that matches finite differences (${surrogate} loss)`, () => {
      // Random logits, 6 samples, 3 classes; central differences of the float64 reference.
      const logits = Array.from({ length: 18 }, (_, i) => 1.7 * Math.sin(1.3 * i + 0.4));
      const batchLabels = [0, 1, 2, 0, 1, 0];
      const priors = [0.1, 0.05, 0.2];
      const settings: NnpuSettings = { ...SIGMOID, surrogate };
      const analytic = tf.tidy(() => {
        const positives = tf.oneHot(tf.tensor1d(batchLabels, 'int32'), 3).toFloat() as tf.Tensor2D;
        return tf.grad((f: tf.Tensor) => cpuRiskTerms(f as tf.Tensor2D, positives, tf.tensor1d(priors), settings).value)(tf.tensor2d(logits, [6, 3])).dataSync();
      });
      const h = 1e-5;
      const numeric = logits.map((_, i) => {
        const up = logits.slice();
        const down = logits.slice();
        up[i] += h;
        down[i] -= h;
        return (cpuRisk(up, batchLabels, priors, surrogate).risk - cpuRisk(down, batchLabels, priors, surrogate).risk) / (2 * h);
      });
      for (let i = 0; i < logits.length; i++) expect(analytic[i]).toBeCloseTo(numeric[i], 4);
      expect(Math.max(...numeric.map(Math.abs))).toBeGreaterThan(0.01);
    });
  }

  it('has the surrogate losses and softmax log-odds it claims', () => {
    expect(surrogateLoss('sigmoid', LN3, 1)).toBeCloseTo(0.25, 12);
    expect(surrogateLoss('sigmoid', LN3, -1)).toBeCloseTo(0.75, 12);
    expect(surrogateLoss('logistic', 0, 1)).toBeCloseTo(Math.log(2), 12);
    expect(surrogateLoss('logistic', -800, 1)).toBeCloseTo(800, 9);
    // softmax (½, ¼, ¼): log-odds of class 0 is 0, of the others log(⅓).
    const { logOdds, logNotP } = softmaxLogOdds([Math.log(2), 0, 0]);
    expect(logOdds[0]).toBeCloseTo(0, 12);
    expect(logOdds[1]).toBeCloseTo(Math.log(1 / 3), 12);
    // 1 − p_k far below float precision of p_k stays finite: log(1 − p₀) = −1000 − log(1 + e^{−1000}).
    expect(softmaxLogOdds([1000, 0]).logNotP[0]).toBeCloseTo(-1000, 9);
    expect(logNotP[2]).toBeCloseTo(Math.log(3 / 4), 12);
  });
});

describe('CPU priors from the mixing procedure', () => {
  it('match the closed form m·(μ − ν)·(c + (1 − c)/(K − 1))/(1 − c)', () => {
    // U(0.3, 0.7): μ = ½, ν = (0.09 + 0.21 + 0.49)/3; balanced 10 classes, m = ½.
    const labels = Array.from({ length: 1000 }, (_, i) => i % 10);
    const expected = (0.5 * (0.5 - 0.79 / 3) * (0.1 + 0.9 / 9)) / 0.9;
    for (const prior of mixingPriors(labels, 10, 0.5, DEFAULT_LAMBDA)) expect(prior).toBeCloseTo(expected, 12);
    expect(mixingPriors(labels, 10, 0, DEFAULT_LAMBDA)).toEqual(new Array(10).fill(0));
    expect(lambdaMoments({ kind: 'beta', alpha: 2, beta: 2 })).toEqual({ mean: 0.5, meanSquare: expect.closeTo(0.3, 12) });
    expect(lambdaMoments({ kind: 'fixed', value: 0.7 }).meanSquare).toBeCloseTo(0.49, 12);
    expect(() => mixingPriors(labels, 10, 1.5, DEFAULT_LAMBDA)).toThrow(RangeError);
  });

  it('equal the class-k mass inside the images labelled otherwise, measured on 20 000 mixed images', () => {
    const set = mixAmbiguous(toySet(20000), { fraction: 0.5, lambda: DEFAULT_LAMBDA, seed: 7 });
    const priors = mixingPriors(set.quantizedLabels, 10, 0.5, DEFAULT_LAMBDA);
    for (let k = 0; k < 10; k++) {
      let mass = 0;
      let unlabelled = 0;
      for (let i = 0; i < set.count; i++) {
        if (set.quantizedLabels[i] === k) continue;
        unlabelled++;
        mass += set.softLabels[i * 10 + k];
      }
      // ~1800 ambiguous images per class: the measured share is within ±0.003 of π_k ≈ 0.026.
      expect(Math.abs(mass / unlabelled - priors[k])).toBeLessThan(0.003);
    }
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
  const settings = { smoothing: 0.1, nnpu: QLL_DEFAULTS.nnpu, mixFraction: 1, lambda: { kind: 'fixed', value: 0.7 } as const };

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
    const settings = settingsFromParams(new URLSearchParams('methods=ce,cpu-sigmoid&mix=0.3&epochs=4&model=cnn&hidden=32&gamma=0.5'));
    expect(settings.variants).toEqual(['ce', 'cpu-sigmoid']);
    expect(settings.shared.model).toEqual({ kind: 'cnn', filters: [8, 16], kernelSize: 3, hidden: [32] });
    const params = new URLSearchParams(Object.entries(paramsFromSettings(settings)).map(([k, v]) => [k, String(v)]));
    expect(settingsFromParams(params)).toEqual(settings);
    expect(variantConfig(settings.shared, 'cpu-sigmoid').nnpu).toEqual({ beta: 0, gamma: 0.5, surrogate: 'sigmoid', prior: 'mixing' });
    expect(settingsFromParams(new URLSearchParams('prior=0.05')).shared.nnpu.prior).toBe(0.05);
    expect(() => settingsFromParams(new URLSearchParams('prior=1.5'))).toThrow(/prior π=1.5/);
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
