import { InputError } from '../errors.ts';
import type { ModelSpec } from '../train/models.ts';
import { isQllMethodName, type QllMethodName } from './methodNames.ts';
import { isPriorSetting, NNPU_DEFAULTS, type NnpuSettings } from './nnpu.ts';
import { checkLambda, DEFAULT_LAMBDA, type LambdaDistribution } from './mixing.ts';

/**
 * One QLL run: which method, how ambiguous the training data is, the network and the budget. The
 * same object drives the page (its URL hash), the worker, the CLI and the study script.
 */
export interface QllConfig {
  method: QllMethodName;
  /** Share of training images made ambiguous. */
  mixFraction: number;
  lambda: LambdaDistribution;
  model: ModelSpec;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** One seed fixes the split, the mixing, the initial weights and the shuffling. */
  seed: number;
  /** Fractions of the 10 000 MNIST images for training, validation and test. */
  split: { train: number; validation: number; test: number };
  /** Label smoothing ε of the 'smooth' method. */
  smoothing: number;
  nnpu: NnpuSettings;
  /** Held-out ambiguous images (mixed from the test part) on which KL to the soft labels is measured. */
  ambiguousTestCount: number;
}

export const QLL_DEFAULTS: QllConfig = {
  method: 'cpu',
  mixFraction: 0.5,
  lambda: DEFAULT_LAMBDA,
  // Small enough to train in seconds on a CPU, large enough to overfit quantized labels.
  model: { kind: 'mlp', hidden: [256] },
  epochs: 5,
  batchSize: 64,
  learningRate: 1e-3,
  seed: 0,
  split: { train: 0.6, validation: 0.1, test: 0.3 },
  smoothing: 0.1,
  nnpu: NNPU_DEFAULTS,
  ambiguousTestCount: 1000,
};

/** Throws an InputError naming the first setting that is out of range. */
export function checkQllConfig(config: QllConfig): QllConfig {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new InputError(`${field} is out of range`, `expected ${expected}, got ${String(got)}`);
  };
  if (!isQllMethodName(config.method)) fail('method', 'one of ce, soft, smooth, cpu', config.method);
  if (!(config.mixFraction >= 0 && config.mixFraction <= 1)) fail('mix fraction', 'a number in [0, 1]', config.mixFraction);
  try {
    checkLambda(config.lambda);
  } catch (error) {
    fail('λ distribution', 'values in [0, 1] with lo ≤ hi', (error as Error).message);
  }
  if (!(Number.isInteger(config.epochs) && config.epochs >= 1 && config.epochs <= 500)) fail('epochs', 'a whole number in 1…500', config.epochs);
  if (!(Number.isInteger(config.batchSize) && config.batchSize >= 1 && config.batchSize <= 4096)) fail('batch size', 'a whole number in 1…4096', config.batchSize);
  if (!(config.learningRate > 0 && config.learningRate <= 1)) fail('learning rate', 'a number in (0, 1]', config.learningRate);
  if (!(Number.isInteger(config.seed) && config.seed >= 0)) fail('seed', 'a whole number ≥ 0', config.seed);
  const { train, validation, test } = config.split;
  if (![train, validation, test].every((part) => part > 0) || train + validation + test > 1 + 1e-9) {
    fail('split', 'three positive fractions with a sum ≤ 1', `${train}/${validation}/${test}`);
  }
  if (!(config.smoothing >= 0 && config.smoothing < 1)) fail('label smoothing ε', 'a number in [0, 1)', config.smoothing);
  if (!(config.nnpu.beta >= 0)) fail('nnPU β', 'a number ≥ 0', config.nnpu.beta);
  if (!(config.nnpu.gamma > 0 && config.nnpu.gamma <= 1)) fail('nnPU γ', 'a number in (0, 1]', config.nnpu.gamma);
  if (config.nnpu.surrogate !== 'sigmoid' && config.nnpu.surrogate !== 'logistic') fail('CPU surrogate loss', 'sigmoid or logistic', config.nnpu.surrogate);
  if (!isPriorSetting(config.nnpu.prior)) fail('CPU prior π', '"mixing" or a number in [0, 1)', config.nnpu.prior);
  if (!(Number.isInteger(config.ambiguousTestCount) && config.ambiguousTestCount >= 1)) fail('ambiguous test count', 'a whole number ≥ 1', config.ambiguousTestCount);
  const sizes = config.model.kind === 'cnn' ? [...config.model.filters, ...config.model.hidden, config.model.kernelSize] : config.model.hidden;
  if (!sizes.every((size) => Number.isInteger(size) && size >= 1 && size <= 4096)) fail('model', 'layer sizes that are whole numbers in 1…4096', sizes.join('-'));
  return config;
}
