import { countLabels } from '../counts.ts';
import { weightName } from '../head.ts';
import { observedTensor, type AttackContext, type LabelAttack } from './types.ts';

/**
 * LLG (Wainakh et al. 2022, "User-level label leakage from gradients in federated learning"), its
 * three variants as the authors' code runs them. All read the last layer's weight gradient through
 * one number per class, its row sum (tfjs stores W₂ as [n, C], so a class is a column here):
 *
 *   s_c = Σ_u ∇W₂[u, c] = (1/B) Σ_i A_i g_ic,     A_i = Σ_u a_iu ≥ 0,  g_i = p_i − y_i.
 *
 * A class in the batch pulls s_c down by about A·(p − 1)/B per occurrence (the "impact" m < 0);
 * an absent class only adds A·p/B ≥ 0 per sample (the "offset"). The prediction, a list of B labels:
 * 1. every class with s_c < 0 is listed once, and s_c ← s_c − m (one occurrence taken out);
 * 2. until the list holds B labels: list c = argmin s (first on ties), s_c ← s_c − m.
 * The variants differ in m and the offset o (subtracted from s before step 1; zero for LLG):
 * - LLG:  m = (Σ_{s_c<0} s_c / B) · (1 + 1/C), from the observed gradient alone.
 * - LLG+: from auxiliary data. A batch of B class-i samples has row sums s⁽ⁱ⁾_j = E[A g_j | y = i];
 *         m = (1/(C B)) Σ_i s⁽ⁱ⁾_i · (1 + 1/C) and o_j = mean over i ≠ j of s⁽ⁱ⁾_j.
 * - LLG*: the same from dummy inputs (uniform noise) given each label in turn, for an attacker
 *         with no data: s⁽ⁱ⁾_j = E[A p_j] − [i = j] E[A] over the dummies.
 * The authors average n = 10 random dummy batches; we use the means over the whole auxiliary set
 * (or the 256 dummies), the value those batches estimate. The (1 + 1/C) factor is theirs.
 */
export interface LlgEstimate {
  /** m < 0: a row sum's change per occurrence of its class. */
  impact: number;
  /** o [C] (zeros for plain LLG). */
  offset: Float64Array;
}

/** The two steps above: B labels predicted from the row sums, returned as counts. */
export function llgPredict(rowSums: ArrayLike<number>, batchSize: number, { impact, offset }: LlgEstimate): Int32Array {
  const C = rowSums.length;
  const s = Float64Array.from(rowSums, (value, c) => value - offset[c]);
  const prediction: number[] = [];
  // Step 1 reads the signs of the raw row sums, as the authors' code does (before the offset).
  for (let c = 0; c < C; c++) {
    if (rowSums[c] < 0 && prediction.length < batchSize) {
      prediction.push(c);
      s[c] -= impact;
    }
  }
  while (prediction.length < batchSize) {
    let lowest = 0;
    for (let c = 1; c < C; c++) if (s[c] < s[lowest]) lowest = c;
    prediction.push(lowest);
    s[lowest] -= impact;
  }
  return countLabels(prediction, C);
}

export function rowSums(context: AttackContext): Float64Array {
  const kernel = observedTensor(context, weightName.logitKernel(context.layout));
  const { classes: C, hiddenSize: n } = context.head;
  const sums = new Float64Array(C);
  for (let u = 0; u < n; u++) for (let c = 0; c < C; c++) sums[c] += kernel[u * C + c];
  return sums;
}

/** LLG's impact from the observed row sums alone. */
export function llgImpact(sums: ArrayLike<number>, batchSize: number): number {
  let negative = 0;
  for (let c = 0; c < sums.length; c++) if (sums[c] < 0) negative += sums[c];
  return (negative / batchSize) * (1 + 1 / sums.length);
}

/** Impact and offset from the row sums of single-label batches: s⁽ⁱ⁾_j in row i of [C, C]. */
export function impactFromLabelledBatches(labelledRowSums: Float64Array, classes: number, batchSize: number): LlgEstimate {
  const C = classes;
  let diagonal = 0;
  const offset = new Float64Array(C);
  for (let i = 0; i < C; i++) {
    diagonal += labelledRowSums[i * C + i];
    for (let j = 0; j < C; j++) if (j !== i) offset[j] += labelledRowSums[i * C + j] / (C - 1);
  }
  return { impact: (diagonal / (C * batchSize)) * (1 + 1 / C), offset };
}

export const llgAttack: LabelAttack = {
  name: 'llg',
  label: 'LLG',
  needsLastLayer: true,
  recover(context) {
    const sums = rowSums(context);
    const estimate = { impact: llgImpact(sums, context.batchSize), offset: new Float64Array(sums.length) };
    return { counts: llgPredict(sums, context.batchSize, estimate) };
  },
};

export const llgPlusAttack: LabelAttack = {
  name: 'llg-plus',
  label: 'LLG+ (auxiliary data)',
  needsLastLayer: true,
  recover(context) {
    const estimate = impactFromLabelledBatches(context.aux.classRowSumGradient, context.head.classes, context.batchSize);
    return { counts: llgPredict(rowSums(context), context.batchSize, estimate) };
  },
};

export const llgStarAttack: LabelAttack = {
  name: 'llg-star',
  label: 'LLG* (dummy inputs)',
  needsLastLayer: true,
  recover(context) {
    const { dummy } = context.aux;
    if (!dummy) throw new RangeError('LLG* needs the dummy-input statistics (auxStatistics with dummy activations)');
    const C = context.head.classes;
    const labelled = new Float64Array(C * C);
    for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) labelled[i * C + j] = dummy.rowSumSoftmax[j] - (i === j ? dummy.activationMass : 0);
    const estimate = impactFromLabelledBatches(labelled, C, context.batchSize);
    return { counts: llgPredict(rowSums(context), context.batchSize, estimate) };
  },
};
