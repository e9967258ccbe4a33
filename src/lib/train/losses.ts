import * as tf from '@tensorflow/tfjs';

/**
 * A training loss: logits [batch, classes] and per-sample targets [batch, targetSize] to a scalar.
 * `value` is what is reported (the risk); `objective`, where given, is what the optimiser minimises
 * instead — nnPU's correction step minimises something other than the risk it reports.
 */
export interface LossTerms {
  value: tf.Scalar;
  objective?: tf.Scalar;
}

export type TrainingLoss = (logits: tf.Tensor2D, targets: tf.Tensor2D) => LossTerms;

/**
 * Cross-entropy against target distributions: mean_i −Σ_k t_ik·log softmax(z_i)_k. One-hot targets
 * give ordinary cross-entropy; soft or smoothed targets give their variants.
 */
export const softmaxCrossEntropy: TrainingLoss = (logits, targets) => {
  const logProbabilities = tf.logSoftmax(logits); // [B, K]
  const perSample = tf.neg(tf.sum(tf.mul(targets, logProbabilities), 1)); // [B]
  return { value: tf.mean(perSample) as tf.Scalar };
};
