import type * as TfCore from '@tensorflow/tfjs-core';
import type { Linear } from '../weights.ts';

/**
 * A linear layer held by tfjs for the CPU path. The weight is stored transposed, [in, out]:
 * tfjs-wasm multiplies untransposed operands 6–15× faster than with transposeB (measured in Node on
 * this project's machine), so y = x·Wᵀ + b becomes a plain matMul. The bias stays in JS too, for
 * reading the layer back.
 */
export type Tf = typeof TfCore;

export interface TfLinear {
  /** [in, out]; null when either side has width 0 (a fully pruned block). */
  weightT: TfCore.Tensor2D | null;
  bias: TfCore.Tensor1D | null;
  outFeatures: number;
  inFeatures: number;
}

export function uploadLinear(tf: Tf, linear: Linear): TfLinear {
  const { outFeatures, inFeatures } = linear;
  let weightT: TfCore.Tensor2D | null = null;
  if (outFeatures > 0 && inFeatures > 0) {
    const weight = tf.tensor2d(linear.weight, [outFeatures, inFeatures]);
    weightT = tf.transpose(weight);
    weight.dispose();
  }
  const bias = linear.bias && outFeatures > 0 ? tf.tensor1d(linear.bias) : null;
  return { weightT, bias, outFeatures, inFeatures };
}

/**
 * x [rows, in] → [rows, out] (x·Wᵀ + b, then ReLU when asked), as one fused tfjs matMul: bias and
 * activation in the same pass over the output.
 */
export function applyLinear(tf: Tf, x: TfCore.Tensor2D, linear: TfLinear, relu = false): TfCore.Tensor2D {
  const rows = x.shape[0];
  if (linear.weightT === null) {
    let out = tf.zeros([rows, linear.outFeatures]) as TfCore.Tensor2D;
    if (linear.bias) out = tf.add(out, linear.bias) as TfCore.Tensor2D;
    return relu ? tf.relu(out) : out;
  }
  return tf.fused.matMul({ a: x, b: linear.weightT, bias: linear.bias ?? undefined, activation: relu ? 'relu' : 'linear' }) as TfCore.Tensor2D;
}

/** `applyLinear` on a Float32Array [rows, in], returning a Float32Array [rows, out]. */
export function linearOnArray(tf: Tf, x: Float32Array, rows: number, linear: TfLinear, relu = false): Float32Array {
  if (linear.outFeatures === 0) return new Float32Array(0);
  return readAndDispose(tf.tidy(() => applyLinear(tf, tf.tensor2d(x, [rows, linear.inFeatures]), linear, relu)));
}

/**
 * A tensor's values, then frees it. (Never return a typed array from tf.tidy: tidy walks its result
 * looking for tensors, element by element — seconds for a layer's activations.)
 */
export function readAndDispose(tensor: TfCore.Tensor): Float32Array {
  const values = tensor.dataSync() as Float32Array;
  tensor.dispose();
  return values;
}

export function downloadLinear(tf: Tf, linear: TfLinear): Linear {
  const { outFeatures, inFeatures } = linear;
  const weight = new Float32Array(outFeatures * inFeatures);
  if (linear.weightT) {
    const back = tf.transpose(linear.weightT);
    weight.set(back.dataSync() as Float32Array);
    back.dispose();
  }
  return { weight, bias: linear.bias ? (linear.bias.dataSync() as Float32Array).slice() : null, outFeatures, inFeatures };
}

export function disposeLinear(linear: TfLinear): void {
  linear.weightT?.dispose();
  linear.bias?.dispose();
}
