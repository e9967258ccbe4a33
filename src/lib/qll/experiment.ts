import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/random.ts';
import type { RunControl } from '../train/control.ts';
import { pixelsPerImage, subsetImages, type ImageSet } from '../train/imageSet.ts';
import { accuracy, argmaxRows, calibration, confusionMatrix, meanKlDivergence, type CalibrationBin } from '../train/metrics/index.ts';
import { buildModel } from '../train/models.ts';
import type { NamedTensor } from '../train/namedTensor.ts';
import { predictLogits } from '../train/predict.ts';
import { splitIndices } from '../train/split.ts';
import { trainModel, type EpochMetrics, type StepMetrics } from '../train/trainer.ts';
import { readWeights } from '../train/weights.ts';
import { checkQllConfig, type QllConfig } from './config.ts';
import { cpuPriors, QLL_METHODS, type QllMethod } from './methods.ts';
import { mixAmbiguous, type AmbiguousSet } from './mixing.ts';

/**
 * One QLL run end to end: split MNIST by seed, make part of the training images ambiguous, train
 * one method, and measure what the issue asks: clean test accuracy, expected calibration error, and
 * KL divergence to the true soft labels on held-out ambiguous images (mixed from the test part, which
 * training never sees). Validation metrics are streamed after every epoch for the curves.
 */
export interface QllData {
  train: AmbiguousSet;
  /** Clean validation images (accuracy and ECE per epoch). */
  validation: ImageSet;
  /** The validation images, all mixed (KL per epoch). */
  ambiguousValidation: AmbiguousSet;
  /** Clean test images. */
  test: ImageSet;
  /** Test images, all mixed, with their true soft labels. */
  ambiguousTest: AmbiguousSet;
}

export interface QllMetrics {
  testAccuracy: number;
  testEce: number;
  /** Mean KL(true soft label ‖ predicted distribution) on the held-out ambiguous images, nats. */
  ambiguousKl: number;
  /** Share of held-out ambiguous images whose prediction is one of the two mixed classes. */
  ambiguousTop1InPair: number;
}

export interface QllResult {
  config: QllConfig;
  metrics: QllMetrics;
  epochs: EpochMetrics[];
  calibrationBins: CalibrationBin[];
  /** [classes, classes] on the clean test images: row = true, column = predicted. */
  confusion: Int32Array;
  counts: { train: number; mixed: number; validation: number; test: number; ambiguousTest: number };
  seconds: number;
  stepsPerSecond: number;
  backend: string;
  /** The class-wise priors π_k the CPU risk trained with (cpu only). */
  cpuPriors?: number[];
  weights?: NamedTensor[];
}

export interface QllHooks {
  control?: RunControl;
  onStep?: (step: StepMetrics) => void;
  onEpoch?: (epoch: EpochMetrics) => void;
  /** Return the trained weights with the result. */
  keepWeights?: boolean;
}

/** Independent seeds for each random choice of a run, all fixed by `config.seed`. */
function runSeeds(seed: number) {
  const rng = new Rng(seed);
  return { split: rng.nextUint32(), mix: rng.nextUint32(), evaluationMix: rng.nextUint32(), init: rng.nextUint32(), shuffle: rng.nextUint32() };
}

export function prepareQllData(data: ImageSet, config: QllConfig): QllData {
  checkQllConfig(config);
  const seeds = runSeeds(config.seed);
  const parts = splitIndices(data.count, config.split, { seed: seeds.split, labels: data.labels });
  const train = mixAmbiguous(subsetImages(data, parts.train), { fraction: config.mixFraction, lambda: config.lambda, seed: seeds.mix });
  const validation = subsetImages(data, parts.validation);
  const test = subsetImages(data, parts.test);
  const ambiguousValidation = mixAmbiguous(validation, { fraction: 1, lambda: config.lambda, seed: seeds.evaluationMix });
  const heldOut = subsetImages(test, Array.from({ length: Math.min(test.count, config.ambiguousTestCount) }, (_, i) => i));
  const ambiguousTest = mixAmbiguous(heldOut, { fraction: 1, lambda: config.lambda, seed: seeds.evaluationMix + 1 });
  return { train, validation, ambiguousValidation, test, ambiguousTest };
}

export async function runQllExperiment(data: ImageSet, config: QllConfig, hooks: QllHooks = {}): Promise<QllResult> {
  const prepared = prepareQllData(data, config);
  const seeds = runSeeds(config.seed);
  const method = QLL_METHODS[config.method];
  const settings = { smoothing: config.smoothing, nnpu: config.nnpu, mixFraction: config.mixFraction, lambda: config.lambda };
  const { train } = prepared;
  const inputSize = pixelsPerImage(train);
  const model = buildModel(config.model, { height: train.height, width: train.width, classes: train.classes }, seeds.init);
  try {
    const summary = await trainModel({
      model,
      loss: method.loss(train, settings),
      data: { inputs: train.pixels, targets: method.targets(train, settings), count: train.count, inputSize, targetSize: train.classes },
      optimizer: { kind: 'adam', learningRate: config.learningRate },
      epochs: config.epochs,
      batchSize: config.batchSize,
      seed: seeds.shuffle,
      control: hooks.control,
      onStep: hooks.onStep,
      onEpoch: hooks.onEpoch,
      evaluate: async () => {
        const clean = await evaluateClean(model, method, prepared.validation);
        const ambiguous = await evaluateAmbiguous(model, method, prepared.ambiguousValidation);
        return { validationAccuracy: clean.accuracy, validationEce: clean.ece, validationKl: ambiguous.kl };
      },
    });
    const clean = await evaluateClean(model, method, prepared.test);
    const ambiguous = await evaluateAmbiguous(model, method, prepared.ambiguousTest);
    return {
      config,
      metrics: { testAccuracy: clean.accuracy, testEce: clean.ece, ambiguousKl: ambiguous.kl, ambiguousTop1InPair: ambiguous.inPair },
      epochs: summary.epochs,
      calibrationBins: clean.bins,
      confusion: clean.confusion,
      counts: {
        train: train.count,
        mixed: train.mixedCount,
        validation: prepared.validation.count,
        test: prepared.test.count,
        ambiguousTest: prepared.ambiguousTest.count,
      },
      seconds: summary.seconds,
      stepsPerSecond: summary.stepsPerSecond,
      backend: tf.getBackend(),
      cpuPriors: config.method === 'cpu' ? cpuPriors(train, settings) : undefined,
      weights: hooks.keepWeights ? await readWeights(model) : undefined,
    };
  } finally {
    model.dispose();
  }
}

async function evaluateClean(model: tf.LayersModel, method: QllMethod, set: ImageSet) {
  const outputs = await predictLogits(model, set.pixels, pixelsPerImage(set));
  const predicted = argmaxRows(outputs, set.classes);
  const { ece, bins } = calibration(method.probabilities(outputs, set.classes), set.labels, set.classes);
  return { accuracy: accuracy(predicted, set.labels), ece, bins, confusion: confusionMatrix(predicted, set.labels, set.classes) };
}

async function evaluateAmbiguous(model: tf.LayersModel, method: QllMethod, set: AmbiguousSet) {
  const outputs = await predictLogits(model, set.pixels, pixelsPerImage(set));
  const predicted = argmaxRows(outputs, set.classes);
  let inPair = 0;
  for (let i = 0; i < set.count; i++) if (predicted[i] === set.labels[i] || predicted[i] === set.partnerClasses[i]) inPair++;
  return { kl: meanKlDivergence(set.softLabels, method.probabilities(outputs, set.classes), set.classes), inPair: inPair / set.count };
}
