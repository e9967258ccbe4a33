import * as tf from '@tensorflow/tfjs';
import { Cancelled } from '../src/lib/errors.ts';
import { CancelFlag } from '../src/lib/cancel.ts';
import { RunControl } from '../src/lib/train/control.ts';
import type { ImageSet } from '../src/lib/train/imageSet.ts';
import { oneHot } from '../src/lib/train/imageSet.ts';
import { softmaxCrossEntropy } from '../src/lib/train/losses.ts';
import { buildModel, describeModel, type ModelSpec } from '../src/lib/train/models.ts';
import { trainModel } from '../src/lib/train/trainer.ts';

/**
 * The training step the benchmark times, identical in Node and in the browser: our trainer
 * (batches cut in JS, one Adam step, the loss read back every step, as the lab runs it) on real
 * MNIST digits, so sparse inputs count as they do in use. Steps run until `budgetMs` is spent and
 * at least `minSteps` were timed (after two warm-up steps that compile kernels and allocate Adam's
 * slots).
 */
export interface TrainWorkload {
  label: string;
  model: ModelSpec;
  batchSize: number;
}

export const TRAIN_WORKLOADS: TrainWorkload[] = [
  { label: `${describeModel({ kind: 'mlp', hidden: [256] })}, batch 64`, model: { kind: 'mlp', hidden: [256] }, batchSize: 64 },
  { label: `${describeModel({ kind: 'cnn', filters: [8, 16], kernelSize: 3, hidden: [64] })}, batch 64`, model: { kind: 'cnn', filters: [8, 16], kernelSize: 3, hidden: [64] }, batchSize: 64 },
];

export interface TrainTiming {
  workload: string;
  backend: string;
  steps: number;
  seconds: number;
  stepsPerSecond: number;
}

export async function timeTraining(workload: TrainWorkload, digits: ImageSet, budgetMs: number, minSteps = 3, maxSteps = 400): Promise<TrainTiming> {
  const count = Math.min(digits.count, workload.batchSize * maxSteps);
  const data = {
    inputs: digits.pixels.subarray(0, count * 784),
    targets: oneHot(digits.labels.subarray(0, count), 10),
    count,
    inputSize: 784,
    targetSize: 10,
  };
  const model = buildModel(workload.model, { height: 28, width: 28, classes: 10 }, 0);
  const control = new RunControl(new CancelFlag(), 1000);
  let steps = 0;
  let startMs = 0;
  let endMs = 0;
  try {
    await trainModel({
      model, loss: softmaxCrossEntropy, data, optimizer: { kind: 'adam', learningRate: 1e-3 }, epochs: 1, batchSize: workload.batchSize, seed: 0, control,
      onStep: () => {
        steps++;
        endMs = performance.now();
        if (steps === 2) startMs = endMs;
        if (steps >= 2 + minSteps && endMs - startMs > budgetMs) control.cancel.cancel();
      },
    });
  } catch (error) {
    if (!(error instanceof Cancelled)) throw error;
  } finally {
    model.dispose();
  }
  const timed = steps - 2;
  const seconds = (endMs - startMs) / 1000;
  return { workload: workload.label, backend: tf.getBackend(), steps: timed, seconds, stepsPerSecond: timed / seconds };
}
