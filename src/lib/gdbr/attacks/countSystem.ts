import { roundCounts } from '../counts.ts';
import { sumConstrainedLeastSquares } from '../solve.ts';

/**
 * The count system of iLRG (Ma et al. 2023, "Instance-wise batch label restoration via gradients in
 * federated learning", eq. for the number of instances): with ḡ = ∇b_L = (1/B) Σ_i (p_i − y_i) and
 * p̄^(j) the mean softmax of class j, Σ_i p_i ≈ Σ_j k_j p̄^(j), so for each class i
 *
 *   Σ_j k_j p̄^(j)_i − k_i = B · ḡ_i,        Σ_j k_j = B.
 *
 * iLRG takes p̄^(j) from the batch's own recovered embeddings (ilrg.ts). GDBR cannot — it never sees
 * the last layer's gradient — so its attacker measures p̄^(j) on its auxiliary data; this is that
 * count step (GDBR's step 3). The C equations have rank C − 1 (every column of P̄ − I sums
 * to 0), and the sum constraint completes them: solved by least squares, clipped, rounded, repaired.
 */
export interface CountSystemInput {
  /** p̄^(j) in row j of [C, C]. */
  classMeanSoftmax: Float64Array;
  /** ḡ [C] (observed or estimated). */
  meanGradient: ArrayLike<number>;
  batchSize: number;
}

export function solveCountSystem({ classMeanSoftmax, meanGradient, batchSize }: CountSystemInput): { estimate: Float64Array; counts: Int32Array } {
  const C = meanGradient.length;
  if (classMeanSoftmax.length !== C * C) throw new RangeError(`solveCountSystem: ${classMeanSoftmax.length} softmax values for ${C} classes`);
  const matrix = new Float64Array(C * C); // [equation i, unknown j]
  const rhs = new Float64Array(C);
  for (let i = 0; i < C; i++) {
    for (let j = 0; j < C; j++) matrix[i * C + j] = classMeanSoftmax[j * C + i] - (i === j ? 1 : 0);
    rhs[i] = batchSize * meanGradient[i];
  }
  const estimate = sumConstrainedLeastSquares({ matrix, rhs, unknowns: C, sum: batchSize });
  return { estimate, counts: roundCounts(estimate, batchSize) };
}
