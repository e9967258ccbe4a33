import { oneHot } from '../train/imageSet.ts';
import { softmaxCrossEntropy, type TrainingLoss } from '../train/losses.ts';
import { softmaxRows } from '../train/metrics/rows.ts';
import { cpuRiskLoss, type NnpuSettings } from './cpuRisk.ts';
import { QLL_METHOD_LABELS, type QllMethodName } from './methodNames.ts';
import type { AmbiguousSet, LambdaDistribution } from './mixing.ts';
import { mixingPriors } from './priors.ts';

/**
 * The four ways to learn from the ambiguous training set, with the same network and budget. Each
 * says which targets it trains on, with which loss, and how its outputs become probabilities for
 * calibration and KL.
 */

export interface MethodSettings {
  /** Label smoothing ε: targets (1−ε)·e_y + ε/K. */
  smoothing: number;
  nnpu: NnpuSettings;
  /** The mixing procedure that made the training set: the CPU risk's priors follow from it. */
  mixFraction: number;
  lambda: LambdaDistribution;
}

/** π_k of the CPU risk: from the mixing procedure, or the one value the settings give. */
export function cpuPriors(train: AmbiguousSet, { nnpu, mixFraction, lambda }: MethodSettings): number[] {
  if (nnpu.prior === 'mixing') return mixingPriors(train.quantizedLabels, train.classes, mixFraction, lambda);
  return new Array<number>(train.classes).fill(nnpu.prior);
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
  loss: (train, settings) => cpuRiskLoss(cpuPriors(train, settings), settings.nnpu),
  // The classes share one softmax (cpuRisk.ts), so its probabilities are the prediction.
  probabilities: softmaxRows,
};

export const QLL_METHODS: Record<QllMethodName, QllMethod> = {
  ce: crossEntropyOnQuantized,
  soft: crossEntropyOnSoft,
  smooth: labelSmoothing,
  cpu: classwisePositiveUnlabelled,
};
