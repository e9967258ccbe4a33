import * as tf from '@tensorflow/tfjs';
import type { LossTerms, TrainingLoss } from '../train/losses.ts';
import { NNPU_DEFAULTS, type NnpuSettings, type Surrogate } from './nnpu.ts';

export { NNPU_DEFAULTS, type NnpuSettings, type Surrogate };

/**
 * The Class-wise Positive-Unlabeled (CPU) risk of Quantized Label Learning.
 *
 * Xie, He, Lu, Bai, Li, Yang, Sun & Li, "Learning from Ambiguous Data with Hard Labels",
 * ICASSP 2025, arXiv:2501.01844. An ambiguous image x̃ has a true soft label s (e.g. 0.6·e_3 + 0.4·e_8)
 * but is annotated with one hard label drawn from s — a "quantized" label. Cross-entropy on that label
 * pushes f towards a one-hot answer the data does not support. The CPU risk instead reads class k's
 * annotations as *positive-unlabeled* data: images labelled k are positives of class k, and the
 * whole training set is unlabelled data for it, with class prior π_k = n_k / n.
 *
 * With one score f_k(x) per class and a binary loss ℓ(z, t) (t = ±1), the risk is
 *
 *   R(f) = Σ_k [ π_k · E_{P_k} ℓ(f_k, +1)  +  max(0,  E_U ℓ(f_k, −1) − π_k · E_{P_k} ℓ(f_k, −1)) ]
 *
 * — for each class, the positive risk plus the negative risk of the non-k data, estimated as the
 * unlabelled data's negative risk minus the positives' share of it. The max(0, ·) is the
 * non-negative correction of nnPU (Kiryo, Niu, du Plessis & Sugiyama, "Positive-Unlabeled Learning
 * with Non-Negative Risk Estimator", NeurIPS 2017): the true negative risk cannot be negative, but
 * its unbiased estimate goes negative once a flexible model overfits the positives.
 *
 * Training follows nnPU's Algorithm 1 per class: when the class's negative estimate
 *   N_k = E_U ℓ(f_k, −1) − π_k·E_{P_k} ℓ(f_k, −1)
 * is at least −β, the step descends π_k·E_{P_k} ℓ(f_k, +1) + N_k; when it falls below −β, the step
 * instead *ascends* N_k with a rate discounted by γ, i.e. descends −γ·N_k, pulling the estimate
 * back up. Kiryo et al. use β = 0, γ = 1. The class-wise sum of these per-class objectives is the
 * multi-class extension we use; the paper states the risk, this per-class branch is our reading.
 *
 * ℓ is the sigmoid loss ℓ(z, t) = σ(−t·z) = 1 / (1 + e^{t·z}), bounded, as nnPU recommends and the
 * issue asks. The logistic loss ℓ(z, t) = log(1 + e^{−t·z}) is offered as a second surrogate (our
 * addition): on MNIST with π_k ≈ 0.1 we measured the sigmoid loss settling on "every f_k negative",
 * where it is flat (σ' ≈ 0) — plain supervised one-vs-rest training with the sigmoid loss stalls the
 * same way — while the logistic loss, which never flattens on the wrong side, trains.
 * Prediction is argmax_k f_k.
 */
/** ℓ(z, t) for t = ±1: sigmoid σ(−t·z), or logistic log(1 + e^{−t·z}). */
export function surrogateLoss(surrogate: Surrogate, score: number, sign: 1 | -1): number {
  const margin = sign * score;
  if (surrogate === 'sigmoid') return 1 / (1 + Math.exp(margin));
  return margin > 0 ? Math.log1p(Math.exp(-margin)) : -margin + Math.log1p(Math.exp(margin));
}

/** The same ℓ on a tensor of scores, for t = +1 or −1. */
function surrogateLossTensor(surrogate: Surrogate, scores: tf.Tensor2D, sign: 1 | -1): tf.Tensor2D {
  const negatedMargin = sign === 1 ? tf.neg(scores) : scores; // −t·z
  return surrogate === 'sigmoid' ? tf.sigmoid(negatedMargin) : tf.softplus(negatedMargin);
}

/** The four batch estimates of one class, and its contribution to R. */
export interface ClassRiskTerms {
  /** E_{P_k} ℓ(f_k, +1) over the batch's samples labelled k (0 when there are none). */
  positiveLossOnPositives: number;
  /** E_{P_k} ℓ(f_k, −1). */
  negativeLossOnPositives: number;
  /** E_U ℓ(f_k, −1) over the whole batch. */
  negativeLossOnUnlabelled: number;
  /** N_k = E_U ℓ(f_k, −1) − π_k·E_{P_k} ℓ(f_k, −1). */
  negativeRisk: number;
  /** π_k·E_{P_k} ℓ(f_k, +1) + max(0, N_k). */
  risk: number;
}

/**
 * The CPU risk of a batch in plain numbers: the readable reference (and the unit tests' oracle).
 * `scores` is [batch, classes] row-major, `labels` the quantized label of each sample, `priors` π_k.
 */
export function cpuRisk(scores: ArrayLike<number>, labels: ArrayLike<number>, priors: readonly number[], surrogate: Surrogate = 'sigmoid'): { risk: number; classes: ClassRiskTerms[] } {
  const loss = (score: number, sign: 1 | -1) => surrogateLoss(surrogate, score, sign);
  const classCount = priors.length;
  const batch = labels.length;
  if (scores.length !== batch * classCount) throw new RangeError(`cpuRisk: ${scores.length} scores for ${batch} samples × ${classCount} classes`);
  const classes: ClassRiskTerms[] = [];
  for (let k = 0; k < classCount; k++) {
    let positives = 0;
    let positiveLossSum = 0;
    let negativeLossOnPositivesSum = 0;
    let negativeLossOnUnlabelledSum = 0;
    for (let i = 0; i < batch; i++) {
      const f = scores[i * classCount + k];
      negativeLossOnUnlabelledSum += loss(f, -1);
      if (labels[i] === k) {
        positives++;
        positiveLossSum += loss(f, 1);
        negativeLossOnPositivesSum += loss(f, -1);
      }
    }
    const positiveLossOnPositives = positives ? positiveLossSum / positives : 0;
    const negativeLossOnPositives = positives ? negativeLossOnPositivesSum / positives : 0;
    const negativeLossOnUnlabelled = negativeLossOnUnlabelledSum / batch;
    const negativeRisk = negativeLossOnUnlabelled - priors[k] * negativeLossOnPositives;
    const risk = priors[k] * positiveLossOnPositives + Math.max(0, negativeRisk);
    classes.push({ positiveLossOnPositives, negativeLossOnPositives, negativeLossOnUnlabelled, negativeRisk, risk });
  }
  return { risk: classes.reduce((sum, terms) => sum + terms.risk, 0), classes };
}

/**
 * The same risk on tensors, for training: `scores` [B, K], `positives` the one-hot quantized labels
 * [B, K], `priors` [K]. Returns the risk R as `value` and nnPU's per-class step objective as
 * `objective`.
 */
export function cpuRiskTerms(scores: tf.Tensor2D, positives: tf.Tensor2D, priors: tf.Tensor1D, nnpu: NnpuSettings): LossTerms {
  return tf.tidy(() => {
    const batch = scores.shape[0];
    const lossAsPositive = surrogateLossTensor(nnpu.surrogate, scores, 1); //  ℓ(f, +1)  [B, K]
    const lossAsNegative = surrogateLossTensor(nnpu.surrogate, scores, -1); // ℓ(f, −1)  [B, K]
    const positiveCount = tf.sum(positives, 0); //                            [K]
    // Classes absent from the batch contribute no positive terms (divide by 1 instead of 0).
    const safeCount = tf.maximum(positiveCount, 1); //                        [K]
    const positiveLossOnPositives = tf.div(tf.sum(tf.mul(positives, lossAsPositive), 0), safeCount); // E_Pk ℓ(f_k,+1)  [K]
    const negativeLossOnPositives = tf.div(tf.sum(tf.mul(positives, lossAsNegative), 0), safeCount); // E_Pk ℓ(f_k,−1)  [K]
    const negativeLossOnUnlabelled = tf.div(tf.sum(lossAsNegative, 0), batch); //                       E_U ℓ(f_k,−1)   [K]
    const positiveRisk = tf.mul(priors, positiveLossOnPositives); //            π_k·E_Pk ℓ(f_k,+1)  [K]
    const negativeRisk = tf.sub(negativeLossOnUnlabelled, tf.mul(priors, negativeLossOnPositives)); // N_k  [K]
    const value = tf.sum(tf.add(positiveRisk, tf.relu(negativeRisk))) as tf.Scalar;
    // nnPU step per class: descend π·E_P ℓ⁺ + N_k while N_k ≥ −β, else descend −γ·N_k.
    const withinBound = tf.greaterEqual(negativeRisk, -nnpu.beta); //           [K] bool
    const perClassObjective = tf.where(withinBound, tf.add(positiveRisk, negativeRisk), tf.mul(negativeRisk, -nnpu.gamma)); // [K]
    const objective = tf.sum(perClassObjective) as tf.Scalar;
    return { value, objective };
  });
}

/** The CPU risk as a TrainingLoss: targets are the one-hot quantized labels. */
export function cpuRiskLoss(priors: readonly number[], nnpu: NnpuSettings = NNPU_DEFAULTS): TrainingLoss {
  checkSettings(priors, nnpu);
  return (scores, targets) => {
    const priorTensor = tf.tensor1d(priors.slice()); // made inside the caller's gradient tape and disposed with it
    return cpuRiskTerms(scores, targets, priorTensor, nnpu);
  };
}

/** π_k = n_k / n from the quantized labels of the training set. */
export function classPriors(labels: ArrayLike<number>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts.map((count) => count / Math.max(1, labels.length));
}

function checkSettings(priors: readonly number[], nnpu: NnpuSettings): void {
  if (priors.some((prior) => !(prior >= 0 && prior <= 1))) throw new RangeError(`CPU risk: priors must lie in [0, 1], got [${priors.join(', ')}]`);
  if (!(nnpu.beta >= 0)) throw new RangeError(`nnPU β must be ≥ 0, got ${nnpu.beta}`);
  if (!(nnpu.gamma > 0 && nnpu.gamma <= 1)) throw new RangeError(`nnPU γ must be in (0, 1], got ${nnpu.gamma}`);
  if (nnpu.surrogate !== 'sigmoid' && nnpu.surrogate !== 'logistic') throw new RangeError(`CPU risk: unknown surrogate loss "${String(nnpu.surrogate)}"`);
}
