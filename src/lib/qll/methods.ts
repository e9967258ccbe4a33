import { oneHot } from '../train/imageSet.ts';
import { softmaxCrossEntropy, type TrainingLoss } from '../train/losses.ts';
import { normalisedSigmoidRows, softmaxRows } from '../train/metrics/rows.ts';
import { classPriors, cpuRiskLoss, type NnpuSettings } from './cpuRisk.ts';
import { QLL_METHOD_LABELS, type QllMethodName } from './methodNames.ts';
import type { AmbiguousSet } from './mixing.ts';

/**
 * The four ways to learn from the ambiguous training set, with the same network and budget. Each
 * says which targets it trains on, with which loss, and how its outputs become probabilities for
 * calibration and KL.
 */

export interface MethodSettings {
  /** Label smoothing ε: targets (1−ε)·e_y + ε/K. */
  smoothing: number;
  nnpu: NnpuSettings;
}

export interface QllMethod {
  name: QllMethodName;
  label: string;
  /** True when the method sees information a real learner does not have (the soft labels). */
  oracle: boolean;
  /** [count, classes] targets for the training set. */
  targets(train: AmbiguousSet, settings: MethodSettings): Float32Array;
  loss(train: AmbiguousSet, settings: MethodSettings): TrainingLoss;
  /** [count, classes] class probabilities from the network's outputs. */
  probabilities(outputs: Float32Array, classes: number): Float32Array;
}

const crossEntropyOnQuantized: QllMethod = {
  name: 'ce',
  label: QLL_METHOD_LABELS.ce,
  oracle: false,
  targets: (train) => oneHot(train.quantizedLabels, train.classes),
  loss: () => softmaxCrossEntropy,
  probabilities: softmaxRows,
};

const crossEntropyOnSoft: QllMethod = {
  name: 'soft',
  label: QLL_METHOD_LABELS.soft,
  oracle: true,
  targets: (train) => train.softLabels.slice(),
  loss: () => softmaxCrossEntropy,
  probabilities: softmaxRows,
};

const labelSmoothing: QllMethod = {
  name: 'smooth',
  label: QLL_METHOD_LABELS.smooth,
  oracle: false,
  targets: (train, { smoothing }) => {
    if (!(smoothing >= 0 && smoothing < 1)) throw new RangeError(`label smoothing ε must be in [0, 1), got ${smoothing}`);
    const targets = oneHot(train.quantizedLabels, train.classes);
    for (let i = 0; i < targets.length; i++) targets[i] = (1 - smoothing) * targets[i] + smoothing / train.classes;
    return targets;
  },
  loss: () => softmaxCrossEntropy,
  probabilities: softmaxRows,
};

const classwisePositiveUnlabelled: QllMethod = {
  name: 'cpu',
  label: QLL_METHOD_LABELS.cpu,
  oracle: false,
  targets: (train) => oneHot(train.quantizedLabels, train.classes),
  loss: (train, { nnpu }) => cpuRiskLoss(classPriors(train.quantizedLabels, train.classes), nnpu),
  // One-vs-rest scores: σ(f_k) normalised over k (our choice; the paper predicts argmax_k f_k only).
  probabilities: normalisedSigmoidRows,
};

export const QLL_METHODS: Record<QllMethodName, QllMethod> = {
  ce: crossEntropyOnQuantized,
  soft: crossEntropyOnSoft,
  smooth: labelSmoothing,
  cpu: classwisePositiveUnlabelled,
};
