import * as tf from '@tensorflow/tfjs';
import { elementCount, type NamedTensor } from './namedTensor.ts';

/**
 * A model's trainable weights as plain arrays, by stable name (`dense1/kernel`, `logits/bias`): to
 * return final weights from a worker, to send them between FedAvg clients, to save them.
 */
export function trainableVariables(model: tf.LayersModel): { name: string; variable: tf.Variable }[] {
  return model.trainableWeights.map((weight) => ({ name: weight.originalName, variable: weight.read() as tf.Variable }));
}

export async function readWeights(model: tf.LayersModel): Promise<NamedTensor[]> {
  return Promise.all(
    trainableVariables(model).map(async ({ name, variable }) => ({
      name,
      shape: variable.shape.slice(),
      values: (await variable.data()) as Float32Array,
    })),
  );
}

/** Overwrites the model's weights with `weights` (all of them, matched by name and shape). */
export function writeWeights(model: tf.LayersModel, weights: readonly NamedTensor[]): void {
  const byName = new Map(weights.map((weight) => [weight.name, weight]));
  for (const { name, variable } of trainableVariables(model)) {
    const weight = byName.get(name);
    if (!weight) throw new RangeError(`writeWeights: no values for ${name}`);
    if (weight.shape.join() !== variable.shape.join() || weight.values.length !== elementCount(variable.shape)) {
      throw new RangeError(`writeWeights: ${name} has shape [${weight.shape.join(', ')}], the model needs [${variable.shape.join(', ')}]`);
    }
    tf.tidy(() => variable.assign(tf.tensor(weight.values, variable.shape)));
  }
}
