import * as tf from '@tensorflow/tfjs';
import { softmaxRows } from '../train/metrics/index.ts';
import type { HeadActivations, HeadLayout } from './head.ts';

/**
 * Runs a platform model (tfjs) and keeps what the head sees: its inputs h (the layer before L−1's
 * output, or the pixels when L−1 is the first layer), the hidden activations a, and the softmax of
 * the logits. The layers below the head (convolutions) stay in tfjs; the head's algebra is ours.
 */
const probes = new WeakMap<tf.LayersModel, tf.LayersModel>();

function probeModel(model: tf.LayersModel, layout: HeadLayout): tf.LayersModel {
  let probe = probes.get(model);
  if (!probe) {
    const hidden = model.getLayer(layout.hidden);
    const headInput = hidden.input as tf.SymbolicTensor;
    const outputs = [hidden.output as tf.SymbolicTensor, model.getLayer(layout.logits).output as tf.SymbolicTensor];
    // A one-layer MLP's head input is the model input itself, which cannot also be an output.
    if (headInput !== model.inputs[0]) outputs.unshift(headInput);
    probe = tf.model({ inputs: model.inputs, outputs });
    probes.set(model, probe);
  }
  return probe;
}

export async function headActivations(model: tf.LayersModel, layout: HeadLayout, inputs: Float32Array, batchSize = 500): Promise<HeadActivations> {
  const inputSize = model.inputs[0].shape[1] as number;
  const count = inputs.length / inputSize;
  if (!Number.isInteger(count)) throw new RangeError(`headActivations: ${inputs.length} input values do not make rows of ${inputSize}`);
  const probe = probeModel(model, layout);
  const featureParts: Float32Array[] = [];
  const hiddenParts: Float32Array[] = [];
  const logitParts: Float32Array[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const rows = inputs.subarray(start * inputSize, end * inputSize);
    const outputs = tf.tidy(() => probe.predict(tf.tensor2d(rows, [end - start, inputSize])) as tf.Tensor[]);
    const values = await Promise.all(outputs.map((output) => output.data() as Promise<Float32Array>));
    tf.dispose(outputs);
    if (values.length === 3) featureParts.push(values.shift()!);
    else featureParts.push(rows.slice());
    hiddenParts.push(values[0]);
    logitParts.push(values[1]);
  }
  const classes = model.getLayer(layout.logits).outputShape.at(-1) as number;
  return { count, features: concat(featureParts), hidden: concat(hiddenParts), probabilities: softmaxRows(concat(logitParts), classes) };
}

function concat(parts: Float32Array[]): Float32Array {
  const result = new Float32Array(parts.reduce((total, part) => total + part.length, 0));
  let at = 0;
  for (const part of parts) {
    result.set(part, at);
    at += part.length;
  }
  return result;
}
