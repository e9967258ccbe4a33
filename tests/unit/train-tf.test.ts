import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CancelFlag } from '../../src/lib/cancel.ts';
import { cpuRiskLoss } from '../../src/lib/qll/cpuRisk.ts';
import { RunControl } from '../../src/lib/train/control.ts';
import { averageWeights, fedAvgRound } from '../../src/lib/train/fedAvg.ts';
import { batchGradients, perSampleGradients } from '../../src/lib/train/gradients.ts';
import { oneHot, subsetImages } from '../../src/lib/train/imageSet.ts';
import { softmaxCrossEntropy, type TrainingLoss } from '../../src/lib/train/losses.ts';
import { accuracy, argmaxRows } from '../../src/lib/train/metrics/index.ts';
import { buildModel, type ModelSpec } from '../../src/lib/train/models.ts';
import { loadShippedMnist, useNodeWasmBackend } from '../../src/lib/train/node.ts';
import { predictLogits } from '../../src/lib/train/predict.ts';
import { trainModel, type TrainData } from '../../src/lib/train/trainer.ts';
import { conv2dFilterGrad } from '../../src/lib/train/wasmConvFilterGrad.ts';
import { readWeights, writeWeights } from '../../src/lib/train/weights.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { maxRelativeError } from '../helpers/compare.ts';

const SHAPE = { height: 28, width: 28, classes: 10 };
const SMALL_CNN: ModelSpec = { kind: 'cnn', filters: [4, 8], kernelSize: 3, hidden: [16] };
let digits: TrainData;

beforeAll(async () => {
  await useNodeWasmBackend();
  const mnist = subsetImages(await loadShippedMnist(), Array.from({ length: 600 }, (_, i) => i));
  digits = { inputs: mnist.pixels, targets: oneHot(mnist.labels, 10), count: mnist.count, inputSize: 784, targetSize: 10 };
});

function firstRows(data: TrainData, count: number): TrainData {
  return { ...data, count, inputs: data.inputs.subarray(0, count * data.inputSize), targets: data.targets.subarray(0, count * data.targetSize) };
}

describe('trainer', () => {
  it('runs on the wasm backend', () => {
    expect(tf.getBackend()).toBe('wasm');
  });

  for (const [label, spec, loss] of [
    ['MLP + cross-entropy', { kind: 'mlp', hidden: [32] }, softmaxCrossEntropy],
    ['CNN + cross-entropy', SMALL_CNN, softmaxCrossEntropy],
    ['MLP + CPU risk (nnPU objective)', { kind: 'mlp', hidden: [32] }, cpuRiskLoss(new Array(10).fill(0.1))],
  ] as [string, ModelSpec, TrainingLoss][]) {
    it(`leaks no tensor over an epoch: ${label}`, async () => {
      const model = buildModel(spec, SHAPE, 1);
      const before = tf.memory().numTensors;
      const summary = await trainModel({ model, loss, data: firstRows(digits, 200), optimizer: { kind: 'adam', learningRate: 1e-3 }, epochs: 3, batchSize: 32, seed: 1 });
      const counts = summary.epochs.map((epoch) => epoch.tensorCount);
      // Adam's moment slots appear in the first step; after that the count must not move.
      expect(counts[1]).toBe(counts[0]);
      expect(counts[2]).toBe(counts[0]);
      // And the optimiser gives its slots back at the end.
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    });
  }

  it('learns MNIST digits (600 images, 5 epochs, MLP) well above chance', async () => {
    const model = buildModel({ kind: 'mlp', hidden: [64] }, SHAPE, 2);
    const steps: number[] = [];
    const summary = await trainModel({
      model, loss: softmaxCrossEntropy, data: firstRows(digits, 500), optimizer: { kind: 'adam', learningRate: 3e-3 }, epochs: 5, batchSize: 32, seed: 2,
      onStep: (step) => steps.push(step.step),
    });
    const logits = await predictLogits(model, digits.inputs.subarray(500 * 784), 784);
    const labels = argmaxRows(digits.targets.subarray(500 * 10), 10);
    expect(accuracy(argmaxRows(logits, 10), labels)).toBeGreaterThan(0.7);
    expect(steps.at(-1)).toBe(summary.steps);
    expect(summary.steps).toBe(5 * Math.ceil(500 / 32));
    expect(summary.epochs[4].trainLoss).toBeLessThan(summary.epochs[0].trainLoss);
    model.dispose();
  });

  it('is reproducible: same seed, same weights; another seed, other weights', async () => {
    const train = async (seed: number) => {
      const model = buildModel({ kind: 'mlp', hidden: [8] }, SHAPE, seed);
      await trainModel({ model, loss: softmaxCrossEntropy, data: firstRows(digits, 100), optimizer: { kind: 'adam', learningRate: 1e-2 }, epochs: 1, batchSize: 16, seed });
      const weights = await readWeights(model);
      model.dispose();
      return weights;
    };
    const [a, b, c] = [await train(5), await train(5), await train(6)];
    expect(maxRelativeError(a[0].values, b[0].values)).toBe(0);
    expect(maxRelativeError(a[0].values, c[0].values)).toBeGreaterThan(0.1);
  });

  it('stops at the next step when cancelled, and frees what it made', async () => {
    const model = buildModel({ kind: 'mlp', hidden: [8] }, SHAPE, 1);
    const before = tf.memory().numTensors;
    const control = new RunControl(new CancelFlag(), 0);
    let steps = 0;
    const run = trainModel({
      model, loss: softmaxCrossEntropy, data: digits, optimizer: { kind: 'adam', learningRate: 1e-3 }, epochs: 5, batchSize: 10, seed: 1, control,
      onStep: () => {
        if (++steps === 3) control.cancel.cancel();
      },
    });
    await expect(run).rejects.toThrow('Cancelled');
    expect(steps).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('model factory', () => {
  it('builds an MLP and a CNN with stable weight names and logits of [batch, classes]', () => {
    const mlp = buildModel({ kind: 'mlp', hidden: [16, 8] }, SHAPE, 0);
    const cnn = buildModel(SMALL_CNN, SHAPE, 0);
    expect(mlp.trainableWeights.map((w) => w.originalName)).toEqual(['dense1/kernel', 'dense1/bias', 'dense2/kernel', 'dense2/bias', 'logits/kernel', 'logits/bias']);
    expect(cnn.trainableWeights.map((w) => w.originalName)).toEqual(['conv1/kernel', 'conv1/bias', 'conv2/kernel', 'conv2/bias', 'dense1/kernel', 'dense1/bias', 'logits/kernel', 'logits/bias']);
    expect(cnn.outputs[0].shape).toEqual([null, 10]);
    expect(() => buildModel({ kind: 'mlp', hidden: [0] }, SHAPE, 0)).toThrow(RangeError);
    mlp.dispose();
    cnn.dispose();
  });
});

describe('the wasm Conv2DBackpropFilter kernel', () => {
  it('gives the filter gradient of tfjs’ cpu backend for valid and same padding, strides 1 and 2', async () => {
    const rng = new Rng(7);
    buildModel(SMALL_CNN, SHAPE, 0).dispose(); // registers the kernel
    for (const [pad, stride] of [['valid', 1], ['same', 2], ['same', 1]] as const) {
      const x = rng.fillUniform(new Float32Array(2 * 9 * 7 * 3));
      x.fill(0, 0, 20); // zeros take the kernel's skip path
      const filter = rng.fillUniform(new Float32Array(3 * 3 * 3 * 5));
      const outShape = tf.backend_util.computeConv2DInfo([2, 9, 7, 3], [3, 3, 3, 5], stride, 1, pad).outShape;
      const dy = rng.fillUniform(new Float32Array(outShape.reduce((a, b) => a * b)));
      // ∂/∂W Σ conv2d(X, W)·dY is exactly Conv2DBackpropFilter(X, dY).
      const filterGradOn = async (backend: string) => {
        await tf.setBackend(backend);
        const grad = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(tf.tensor4d(x, [2, 9, 7, 3]), w as tf.Tensor4D, stride, pad), tf.tensor4d(dy, outShape))))(tf.tensor4d(filter, [3, 3, 3, 5]));
        const values = await grad.data();
        grad.dispose();
        return values;
      };
      const want = await filterGradOn('cpu');
      const got = await filterGradOn('wasm');
      expect(maxRelativeError(got, want)).toBeLessThan(1e-5);
      const info = tf.backend_util.computeConv2DInfo([2, 9, 7, 3], [3, 3, 3, 5], stride, 1, pad);
      expect(maxRelativeError(conv2dFilterGrad(x, dy, info), want)).toBeLessThan(1e-5);
    }
    await useNodeWasmBackend();
  });
});

describe('gradients for federated clients', () => {
  it('the batch gradient is the mean of the per-sample gradients (CNN), with the weights’ names and shapes', async () => {
    const model = buildModel(SMALL_CNN, SHAPE, 3);
    const batch = { inputs: digits.inputs.subarray(0, 4 * 784), targets: digits.targets.subarray(0, 40), inputSize: 784, targetSize: 10 };
    const before = tf.memory().numTensors;
    const whole = await batchGradients(model, softmaxCrossEntropy, batch);
    const single = await perSampleGradients(model, softmaxCrossEntropy, batch);
    expect(tf.memory().numTensors).toBe(before);
    expect(whole.map((g) => g.name)).toEqual(model.trainableWeights.map((w) => w.originalName));
    expect(whole[0].shape).toEqual([3, 3, 1, 4]);
    whole.forEach((gradient, w) => {
      const mean = gradient.values.map((_, i) => single.reduce((sum, sample) => sum + sample[w].values[i], 0) / single.length);
      expect(maxRelativeError(gradient.values, mean)).toBeLessThan(1e-4);
    });
    model.dispose();
  });
});

describe('weights and FedAvg', () => {
  it('write then read gives the same weights; a wrong shape is refused', async () => {
    const model = buildModel({ kind: 'mlp', hidden: [4] }, SHAPE, 0);
    const weights = await readWeights(model);
    const changed = weights.map((w) => ({ ...w, values: w.values.map((v) => v + 1) }));
    writeWeights(model, changed);
    expect(Array.from((await readWeights(model))[1].values)).toEqual(Array.from(changed[1].values));
    expect(() => writeWeights(model, [{ ...weights[0], shape: [1] }, ...weights.slice(1)])).toThrow(/shape/);
    model.dispose();
  });

  it('averages client weights in proportion to their sample counts', () => {
    const client = (value: number) => [{ name: 'w', shape: [2], values: Float32Array.from([value, 2 * value]) }];
    const [average] = averageWeights([client(1), client(4)], [3, 1]);
    expect(Array.from(average.values)).toEqual([1.75, 3.5]);
  });

  it('a FedAvg round with one client equals local training from the same start', async () => {
    const clientData = firstRows(digits, 64);
    const options = { loss: softmaxCrossEntropy, localEpochs: 1, batchSize: 16, optimizer: { kind: 'sgd', learningRate: 0.1 } as const, seed: 4 };
    const federated = buildModel({ kind: 'mlp', hidden: [8] }, SHAPE, 9);
    const { weights } = await fedAvgRound({ ...options, model: federated, clients: [clientData] });
    const local = buildModel({ kind: 'mlp', hidden: [8] }, SHAPE, 9);
    await trainModel({ model: local, loss: softmaxCrossEntropy, data: clientData, optimizer: options.optimizer, epochs: 1, batchSize: 16, seed: 4 });
    const localWeights = await readWeights(local);
    weights.forEach((w, i) => expect(maxRelativeError(w.values, localWeights[i].values)).toBeLessThan(1e-6));
    federated.dispose();
    local.dispose();
  });
});
