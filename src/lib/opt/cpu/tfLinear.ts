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

/** x [rows, in] → [rows, out]. */
export function applyLinear(tf: Tf, x: TfCore.Tensor2D, linear: TfLinear): TfCore.Tensor2D {
  const rows = x.shape[0];
  if (linear.weightT === null) {
    const zeros = tf.zeros([rows, linear.outFeatures]) as TfCore.Tensor2D;
    return linear.bias ? (tf.add(zeros, linear.bias) as TfCore.Tensor2D) : zeros;
  }
  const product = tf.matMul(x, linear.weightT) as TfCore.Tensor2D;
  return linear.bias ? (tf.add(product, linear.bias) as TfCore.Tensor2D) : product;
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
