import * as tf from '@tensorflow/tfjs';
import type { TrainingLoss } from './losses.ts';
import type { NamedTensor } from './namedTensor.ts';
import { trainableVariables } from './weights.ts';

/**
 * What a federated client would share: the gradient of the loss on a batch with respect to every
 * trainable weight, by stable name (`dense1/kernel`, `dense1/bias`, …, `logits/bias`), read back to
 * the CPU. The loss is the batch mean, so the batch gradient is the mean of the per-sample gradients.
 */
export interface GradientBatch {
  /** [count, inputSize] */
  inputs: Float32Array;
  /** [count, targetSize] */
  targets: Float32Array;
  inputSize: number;
  targetSize: number;
}

export async function batchGradients(model: tf.LayersModel, loss: TrainingLoss, batch: GradientBatch): Promise<NamedTensor[]> {
  const count = batch.inputs.length / batch.inputSize;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`batchGradients: ${batch.inputs.length} input values do not make rows of ${batch.inputSize}`);
  if (batch.targets.length !== count * batch.targetSize) throw new RangeError(`batchGradients: ${batch.targets.length} target values for ${count} rows of ${batch.targetSize}`);
  const named = trainableVariables(model);
  const grads = tf.tidy(() => {
    const inputs = tf.tensor2d(batch.inputs, [count, batch.inputSize]);
    const targets = tf.tensor2d(batch.targets, [count, batch.targetSize]);
    const { value, grads: byVariable } = tf.variableGrads(() => {
      const logits = model.apply(inputs, { training: true }) as tf.Tensor2D; // [B, K]
      const terms = loss(logits, targets);
      return terms.objective ?? terms.value;
    }, named.map(({ variable }) => variable));
    value.dispose();
    return named.map(({ variable }) => byVariable[variable.name] ?? tf.zerosLike(variable));
  });
  const values = await Promise.all(grads.map((grad) => grad.data() as Promise<Float32Array>));
  tf.dispose(grads);
  return named.map(({ name, variable }, i) => ({ name, shape: variable.shape.slice(), values: values[i] }));
}

/** One gradient per sample (a batch of one each): for attacks that reason about single samples. */
export async function perSampleGradients(model: tf.LayersModel, loss: TrainingLoss, batch: GradientBatch): Promise<NamedTensor[][]> {
  const count = batch.inputs.length / batch.inputSize;
  const result: NamedTensor[][] = [];
  for (let i = 0; i < count; i++) {
    result.push(await batchGradients(model, loss, {
      ...batch,
      inputs: batch.inputs.subarray(i * batch.inputSize, (i + 1) * batch.inputSize),
      targets: batch.targets.subarray(i * batch.targetSize, (i + 1) * batch.targetSize),
    }));
  }
  return result;
}
