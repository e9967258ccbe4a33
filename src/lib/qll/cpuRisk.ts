import * as tf from '@tensorflow/tfjs';
import type { LossTerms, TrainingLoss } from '../train/losses.ts';
import { NNPU_DEFAULTS, type NnpuSettings, type Surrogate } from './nnpu.ts';

export { NNPU_DEFAULTS, type NnpuSettings, type Surrogate };

/**
 * The Class-wise Positive-Unlabeled (CPU) risk of Quantized Label Learning — Xie, He, Lu, Bai, Li,
 * Yang, Sun & Li, "Learning from Ambiguous Data with Hard Labels", ICASSP 2025, arXiv:2501.01844:
 * "a multi-class extension of nnPU with class-wise priors". The paper's equations were not
 * reachable from here (only its abstract); this is the reading derived in docs/qll.md, which also
 * shows why the earlier reading (all data unlabelled, π_k = n_k/n) is exactly one-vs-rest.
 *
 * An ambiguous image x has a soft label s(x) but carries one hard label y drawn from it. For class k:
 *   P_k  the images labelled k (positives),
 *   U_k  the images labelled otherwise — unlabelled for class k: mostly other classes, but the
 *        ambiguous ones carry class-k mass; π_k is the class-k share inside U_k (priors.ts).
 * The classes share one softmax p = softmax(f); class k's binary score is its log-odds
 * z_k = log p_k − log(1 − p_k), and ℓ(z, ±1) a binary loss on it. With ρ̂_k = |P_k| / B in a batch,
 *
 *   R(f) = Σ_k  ρ̂_k·E_{P_k} ℓ(z_k, +1)
 *            + (1 − ρ̂_k)·[ π_k·E_{P_k} ℓ(z_k, +1) + max(0, N_k) ],
 *   N_k  = E_{U_k} ℓ(z_k, −1) − π_k·E_{P_k} ℓ(z_k, −1):
 *
 * the labelled positives, plus nnPU's risk (Kiryo, Niu, du Plessis & Sugiyama, NeurIPS 2017) on U_k:
 * its class-k part is credited as positive and taken out of the negative risk, assuming it looks
 * like P_k; max(0, ·) keeps the negative-risk estimate from going below zero. With π_k = 0 this is
 * the one-vs-rest risk; with π_k > 0 it is not, since U_k does not contain P_k.
 *
 * Training follows nnPU's Algorithm 1 per class: while N_k ≥ −β the step descends R_k unclipped;
 * below −β it descends the labelled and credited-positive terms and −γ·(1 − ρ̂_k)·N_k, pushing the
 * estimate back up. Kiryo et al. use β = 0, γ = 1.
 *
 * ℓ is the logistic loss log(1 + e^{−t·z}) — on the log-odds that is −log p_k for t = +1 and
 * −log(1 − p_k) for t = −1 — or nnPU's bounded sigmoid loss σ(−t·z): 1 − p_k and p_k.
 * Predictions and probabilities are the softmax's.
 */

/** ℓ(z, t) for t = ±1 on a log-odds z: sigmoid σ(−t·z), or logistic log(1 + e^{−t·z}). */
export function surrogateLoss(surrogate: Surrogate, logOdds: number, sign: 1 | -1): number {
  const margin = sign * logOdds;
  if (surrogate === 'sigmoid') return 1 / (1 + Math.exp(margin));
  return margin > 0 ? Math.log1p(Math.exp(-margin)) : -margin + Math.log1p(Math.exp(margin));
}

/** log p_k and log(1 − p_k) of p = softmax(row), in float64, without forming 1 − p_k. */
export function softmaxLogOdds(row: ArrayLike<number>): { logP: number[]; logNotP: number[]; logOdds: number[] } {
  const logSumExp = (values: number[]) => {
    const max = Math.max(...values);
    return max === -Infinity ? -Infinity : max + Math.log(values.reduce((sum, v) => sum + Math.exp(v - max), 0));
  };
  const values = Array.from(row);
  const all = logSumExp(values);
  const logP = values.map((v) => v - all);
  const logNotP = values.map((_, k) => logSumExp(values.filter((__, j) => j !== k)) - all);
  return { logP, logNotP, logOdds: logP.map((lp, k) => lp - logNotP[k]) };
}

/** The batch estimates of one class, and its contribution to R. */
export interface ClassRiskTerms {
  /** ρ̂_k = |P_k| / B. */
  positiveShare: number;
  /** E_{P_k} ℓ(z_k, +1) over the batch's samples labelled k (0 when there are none). */
  positiveLossOnPositives: number;
  /** E_{P_k} ℓ(z_k, −1). */
  negativeLossOnPositives: number;
  /** E_{U_k} ℓ(z_k, −1) over the samples labelled otherwise (0 when there are none). */
  negativeLossOnUnlabelled: number;
  /** N_k = E_{U_k} ℓ(z_k, −1) − π_k·E_{P_k} ℓ(z_k, −1). */
  negativeRisk: number;
  /** ρ̂_k·E_{P_k} ℓ⁺ + (1 − ρ̂_k)·(π_k·E_{P_k} ℓ⁺ + max(0, N_k)). */
  risk: number;
}

/**
 * The CPU risk of a batch in plain numbers: the readable reference (and the unit tests' oracle).
 * `scores` are the logits [batch, classes] row-major, `labels` the quantized label of each sample,
 * `priors` π_k.
 */
export function cpuRisk(scores: ArrayLike<number>, labels: ArrayLike<number>, priors: readonly number[], surrogate: Surrogate = NNPU_DEFAULTS.surrogate): { risk: number; classes: ClassRiskTerms[] } {
  const classCount = priors.length;
  const batch = labels.length;
  if (classCount < 2) throw new RangeError(`cpuRisk: needs at least 2 classes, got ${classCount}`);
  if (scores.length !== batch * classCount) throw new RangeError(`cpuRisk: ${scores.length} scores for ${batch} samples × ${classCount} classes`);
  const logOdds = Array.from({ length: batch }, (_, i) => softmaxLogOdds(Array.from({ length: classCount }, (__, k) => scores[i * classCount + k])).logOdds);
  const classes: ClassRiskTerms[] = [];
  for (let k = 0; k < classCount; k++) {
    let positives = 0;
    let positiveLossSum = 0;
    let negativeLossOnPositivesSum = 0;
    let negativeLossOnUnlabelledSum = 0;
    for (let i = 0; i < batch; i++) {
      const z = logOdds[i][k];
      if (labels[i] === k) {
        positives++;
        positiveLossSum += surrogateLoss(surrogate, z, 1);
        negativeLossOnPositivesSum += surrogateLoss(surrogate, z, -1);
      } else {
        negativeLossOnUnlabelledSum += surrogateLoss(surrogate, z, -1);
      }
    }
    const unlabelled = batch - positives;
    const prior = positives ? priors[k] : 0; // no positives in the batch: nothing to credit
    const positiveShare = positives / batch;
    const positiveLossOnPositives = positives ? positiveLossSum / positives : 0;
    const negativeLossOnPositives = positives ? negativeLossOnPositivesSum / positives : 0;
    const negativeLossOnUnlabelled = unlabelled ? negativeLossOnUnlabelledSum / unlabelled : 0;
    const negativeRisk = negativeLossOnUnlabelled - prior * negativeLossOnPositives;
    const risk = positiveShare * positiveLossOnPositives + (1 - positiveShare) * (prior * positiveLossOnPositives + Math.max(0, negativeRisk));
    classes.push({ positiveShare, positiveLossOnPositives, negativeLossOnPositives, negativeLossOnUnlabelled, negativeRisk, risk });
  }
  return { risk: classes.reduce((sum, terms) => sum + terms.risk, 0), classes };
}

/** log(1 − softmax(f)_k) for every k: log Σ_{j≠k} e^{f_j} − log Σ_j e^{f_j}.  [B, K] */
function logOneMinusSoftmax(scores: tf.Tensor2D): tf.Tensor2D {
  const classes = scores.shape[1];
  // −1e30 on the diagonal drops f_k from its own sum (exp underflows to exactly 0, no ∞ arithmetic).
  const dropSelf = tf.mul(tf.eye(classes), -1e30); //                                   [K, K]
  const others = tf.logSumExp(tf.add(tf.expandDims(scores, 1), dropSelf), 2); //         [B, K]
  return tf.sub(others, tf.logSumExp(scores, 1, true)) as tf.Tensor2D;
}

/**
 * The same risk on tensors, for training: `scores` the logits [B, K], `positives` the one-hot
 * quantized labels [B, K], `priors` [K]. Returns the risk R as `value` and nnPU's per-class step
 * objective as `objective`.
 */
export function cpuRiskTerms(scores: tf.Tensor2D, positives: tf.Tensor2D, priors: tf.Tensor1D, nnpu: NnpuSettings): LossTerms {
  return tf.tidy(() => {
    const batch = scores.shape[0];
    const logP = tf.logSoftmax(scores); //                                       log p_k       [B, K]
    const logNotP = logOneMinusSoftmax(scores); //                               log(1 − p_k)  [B, K]
    const lossAsPositive = nnpu.surrogate === 'sigmoid' ? tf.exp(logNotP) : tf.neg(logP); //    ℓ(z_k, +1)  [B, K]
    const lossAsNegative = nnpu.surrogate === 'sigmoid' ? tf.exp(logP) : tf.neg(logNotP); //    ℓ(z_k, −1)  [B, K]
    const unlabelled = tf.sub(1, positives); //                                  1{y ≠ k}      [B, K]
    const positiveCount = tf.sum(positives, 0); //                               |P_k|         [K]
    const unlabelledCount = tf.sub(batch, positiveCount); //                     |U_k|         [K]
    // Classes absent from the batch (or labelling all of it) divide by 1 instead of 0.
    const positiveLossOnPositives = tf.div(tf.sum(tf.mul(positives, lossAsPositive), 0), tf.maximum(positiveCount, 1)); //   E_Pk ℓ(z,+1)  [K]
    const negativeLossOnPositives = tf.div(tf.sum(tf.mul(positives, lossAsNegative), 0), tf.maximum(positiveCount, 1)); //   E_Pk ℓ(z,−1)  [K]
    const negativeLossOnUnlabelled = tf.div(tf.sum(tf.mul(unlabelled, lossAsNegative), 0), tf.maximum(unlabelledCount, 1)); // E_Uk ℓ(z,−1) [K]
    const prior = tf.mul(priors, tf.minimum(positiveCount, 1)); //               π_k, 0 without positives  [K]
    const positiveShare = tf.div(positiveCount, batch); //                       ρ̂_k           [K]
    const unlabelledShare = tf.sub(1, positiveShare); //                         1 − ρ̂_k       [K]
    const labelledRisk = tf.mul(positiveShare, positiveLossOnPositives); //      ρ̂_k·E_Pk ℓ⁺   [K]
    const creditedPositive = tf.mul(unlabelledShare, tf.mul(prior, positiveLossOnPositives)); // (1−ρ̂)·π·E_Pk ℓ⁺  [K]
    const negativeRisk = tf.sub(negativeLossOnUnlabelled, tf.mul(prior, negativeLossOnPositives)); // N_k  [K]
    const value = tf.sum(tf.add(tf.add(labelledRisk, creditedPositive), tf.mul(unlabelledShare, tf.relu(negativeRisk)))) as tf.Scalar;
    // nnPU step per class: N_k as it is while N_k ≥ −β, else −γ·N_k (ascend it).
    const withinBound = tf.greaterEqual(negativeRisk, -nnpu.beta); //           [K] bool
    const steppedNegative = tf.where(withinBound, negativeRisk, tf.mul(negativeRisk, -nnpu.gamma)); // [K]
    const objective = tf.sum(tf.add(tf.add(labelledRisk, creditedPositive), tf.mul(unlabelledShare, steppedNegative))) as tf.Scalar;
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

function checkSettings(priors: readonly number[], nnpu: NnpuSettings): void {
  if (priors.some((prior) => !(prior >= 0 && prior < 1))) throw new RangeError(`CPU risk: priors must lie in [0, 1), got [${priors.join(', ')}]`);
  if (!(nnpu.beta >= 0)) throw new RangeError(`nnPU β must be ≥ 0, got ${nnpu.beta}`);
  if (!(nnpu.gamma > 0 && nnpu.gamma <= 1)) throw new RangeError(`nnPU γ must be in (0, 1], got ${nnpu.gamma}`);
  if (nnpu.surrogate !== 'sigmoid' && nnpu.surrogate !== 'logistic') throw new RangeError(`CPU risk: unknown surrogate loss "${String(nnpu.surrogate)}"`);
}
