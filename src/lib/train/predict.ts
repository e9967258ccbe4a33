import * as tf from '@tensorflow/tfjs';

/** Logits [count, classes] of `inputs` ([count, inputSize]), in batches so memory stays bounded. */
export async function predictLogits(model: tf.LayersModel, inputs: Float32Array, inputSize: number, batchSize = 500): Promise<Float32Array> {
  const count = inputs.length / inputSize;
  if (!Number.isInteger(count)) throw new RangeError(`predictLogits: ${inputs.length} values do not make rows of ${inputSize}`);
  const parts: Float32Array[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const logits = tf.tidy(() => {
      const batch = tf.tensor2d(inputs.subarray(start * inputSize, end * inputSize), [end - start, inputSize]);
      return model.apply(batch, { training: false }) as tf.Tensor2D; // [b, classes]
    });
    parts.push((await logits.data()) as Float32Array);
    logits.dispose();
  }
  const classes = model.outputs[0].shape[1] as number;
  const result = new Float32Array(count * classes);
  let at = 0;
  for (const part of parts) {
    result.set(part, at);
    at += part.length;
  }
  return result;
}
