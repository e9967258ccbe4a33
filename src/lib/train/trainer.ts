import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/random.ts';
import type { RunControl } from './control.ts';
import type { TrainingLoss } from './losses.ts';
import { learningRateAt, type LearningRateSchedule } from './schedules.ts';
import { trainableVariables } from './weights.ts';

/**
 * The training loop of the lab: mini-batch steps over a seeded shuffle, one loss, one optimiser,
 * metrics streamed per step and per epoch, pause/resume/cancel through a RunControl. Batches are cut
 * from the typed arrays in JS and uploaded per step, so the data set never sits on the device and
 * every tensor a step makes is disposed before the next: the tensor count is flat across epochs
 * (each epoch reports it; tests check it).
 */
export interface TrainData {
  /** [count, inputSize] */
  inputs: Float32Array;
  /** [count, targetSize]: what the loss compares the logits with. */
  targets: Float32Array;
  count: number;
  inputSize: number;
  targetSize: number;
}

export interface OptimizerSpec {
  kind: 'adam' | 'sgd' | 'momentum';
  learningRate: number;
  /** For 'momentum' (default 0.9). */
  momentum?: number;
  schedule?: LearningRateSchedule;
}

export interface StepMetrics {
  /** Steps taken, 1-based. */
  step: number;
  totalSteps: number;
  /** Epoch of this step, 1-based. */
  epoch: number;
  loss: number;
  learningRate: number;
}

export interface EpochMetrics {
  /** 1-based. */
  epoch: number;
  /** Mean of the step losses of this epoch, weighted by batch size. */
  trainLoss: number;
  seconds: number;
  /** Tensors alive after the epoch: flat across epochs when nothing leaks. */
  tensorCount: number;
  /** What `evaluate` returned (validation accuracy, …). */
  metrics: Record<string, number>;
}

export interface TrainOptions {
  model: tf.LayersModel;
  loss: TrainingLoss;
  data: TrainData;
  optimizer: OptimizerSpec;
  epochs: number;
  batchSize: number;
  /** Seeds the shuffling (initialisation is seeded where the model is built). */
  seed: number;
  control?: RunControl;
  onStep?: (step: StepMetrics) => void;
  /** Runs after each epoch; what it returns is streamed with the epoch's metrics. */
  evaluate?: (epoch: number) => Promise<Record<string, number>>;
  onEpoch?: (epoch: EpochMetrics) => void;
}

export interface TrainSummary {
  steps: number;
  epochs: EpochMetrics[];
  seconds: number;
  stepsPerSecond: number;
}

export async function trainModel(options: TrainOptions): Promise<TrainSummary> {
  const { model, loss, data, epochs, batchSize, control } = options;
  checkOptions(options);
  const optimizer = createOptimizer(options.optimizer);
  const variables = trainableVariables(model).map(({ variable }) => variable);
  const rng = new Rng(options.seed);
  const order = Array.from({ length: data.count }, (_, i) => i);
  const batchesPerEpoch = Math.ceil(data.count / batchSize);
  const totalSteps = batchesPerEpoch * epochs;
  const batchInputs = new Float32Array(batchSize * data.inputSize);
  const batchTargets = new Float32Array(batchSize * data.targetSize);
  const history: EpochMetrics[] = [];
  const startedMs = performance.now();
  let step = 0;
  let trainingMs = 0;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const epochStartMs = performance.now();
      rng.shuffle(order);
      let lossSum = 0;
      for (let batch = 0; batch < batchesPerEpoch; batch++) {
        const start = batch * batchSize;
        const size = Math.min(batchSize, data.count - start);
        for (let i = 0; i < size; i++) {
          const item = order[start + i];
          batchInputs.set(data.inputs.subarray(item * data.inputSize, (item + 1) * data.inputSize), i * data.inputSize);
          batchTargets.set(data.targets.subarray(item * data.targetSize, (item + 1) * data.targetSize), i * data.targetSize);
        }
        const learningRate = learningRateAt(options.optimizer.learningRate, options.optimizer.schedule ?? { kind: 'constant' }, { step, totalSteps, epoch: epoch - 1 });
        setLearningRate(optimizer, learningRate);
        const stepStartMs = performance.now();
        const lossValue = await trainStep({ model, loss, optimizer, variables, size, data, batchInputs, batchTargets });
        trainingMs += performance.now() - stepStartMs;
        lossSum += lossValue * size;
        step++;
        options.onStep?.({ step, totalSteps, epoch, loss: lossValue, learningRate });
        await control?.checkpoint();
      }
      const metrics = options.evaluate ? await options.evaluate(epoch) : {};
      const summary: EpochMetrics = {
        epoch,
        trainLoss: lossSum / data.count,
        seconds: (performance.now() - epochStartMs) / 1000,
        tensorCount: tf.memory().numTensors,
        metrics,
      };
      history.push(summary);
      options.onEpoch?.(summary);
      await control?.checkpoint();
    }
  } finally {
    disposeOptimizer(optimizer);
  }
  return { steps: step, epochs: history, seconds: (performance.now() - startedMs) / 1000, stepsPerSecond: step / Math.max(trainingMs / 1000, 1e-9) };
}

interface StepInputs {
  model: tf.LayersModel;
  loss: TrainingLoss;
  optimizer: tf.Optimizer;
  variables: tf.Variable[];
  size: number;
  data: TrainData;
  batchInputs: Float32Array;
  batchTargets: Float32Array;
}

/** One optimiser step; returns the reported loss. Every tensor made here is disposed here. */
async function trainStep({ model, loss, optimizer, variables, size, data, batchInputs, batchTargets }: StepInputs): Promise<number> {
  const inputs = tf.tensor2d(batchInputs.subarray(0, size * data.inputSize), [size, data.inputSize]);
  const targets = tf.tensor2d(batchTargets.subarray(0, size * data.targetSize), [size, data.targetSize]);
  let reported: tf.Scalar | undefined;
  const { value: minimised, grads } = optimizer.computeGradients(() => {
    const logits = model.apply(inputs, { training: true }) as tf.Tensor2D; // [B, K]
    const terms = loss(logits, targets);
    if (!terms.objective) return terms.value;
    reported = tf.keep(terms.value);
    return terms.objective;
  }, variables);
  optimizer.applyGradients(grads);
  const lossTensor = reported ?? minimised;
  const lossValue = (await lossTensor.data())[0];
  tf.dispose([inputs, targets, minimised, reported ?? [], ...Object.values(grads)]);
  return lossValue;
}

export function createOptimizer(spec: OptimizerSpec): tf.Optimizer {
  switch (spec.kind) {
    case 'adam':
      return tf.train.adam(spec.learningRate);
    case 'sgd':
      return tf.train.sgd(spec.learningRate);
    case 'momentum':
      return tf.train.momentum(spec.learningRate, spec.momentum ?? 0.9);
  }
}

/**
 * tfjs' MomentumOptimizer.dispose skips the learning-rate scalar its SGD parent keeps; free it too.
 * (Class names, not `instanceof`: tfjs makes every optimiser an `instanceof` every optimiser class.)
 */
function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  if (optimizer.getClassName() === 'Momentum') (optimizer as unknown as { c: tf.Tensor }).c.dispose();
}

/**
 * tfjs optimisers fix their rate at construction; SGD and momentum offer `setLearningRate`, Adam
 * keeps it in a field it reads on every step, so a schedule sets that field.
 */
function setLearningRate(optimizer: tf.Optimizer, rate: number): void {
  const name = optimizer.getClassName();
  if (name === 'SGD' || name === 'Momentum') {
    if ((optimizer as unknown as { learningRate: number }).learningRate !== rate) (optimizer as tf.SGDOptimizer).setLearningRate(rate);
    return;
  }
  (optimizer as unknown as { learningRate: number }).learningRate = rate;
}

function checkOptions({ data, epochs, batchSize, optimizer }: TrainOptions): void {
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new RangeError(`epochs must be a whole number ≥ 1, got ${epochs}`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new RangeError(`batch size must be a whole number ≥ 1, got ${batchSize}`);
  if (!(optimizer.learningRate > 0)) throw new RangeError(`learning rate must be > 0, got ${optimizer.learningRate}`);
  if (data.count < 1) throw new RangeError('there is no training data');
  if (data.inputs.length !== data.count * data.inputSize) throw new RangeError(`inputs hold ${data.inputs.length} values, expected ${data.count} × ${data.inputSize}`);
  if (data.targets.length !== data.count * data.targetSize) throw new RangeError(`targets hold ${data.targets.length} values, expected ${data.count} × ${data.targetSize}`);
}
