import { softmaxRows } from '../../train/metrics/index.ts';
import { roundCounts } from '../counts.ts';
import { weightName, type HeadWeights } from '../head.ts';
import { observedTensor, type LabelAttack } from './types.ts';

/**
 * iLRG (Ma et al. 2023, "Instance-wise batch label restoration via gradients in federated
 * learning"), as the authors' code runs it, from the last layer's gradient alone. Notation of
 * head.ts (a = the last layer's input "embedding", W₂ [n, C], g_i = p_i − y_i).
 *
 * 1. Class-wise embeddings. Column j of ∇W₂ and entry j of ∇b₂ are
 *      ∇W₂[:, j] = (1/B) Σ_i g_ij a_i,        ∇b₂[j] = (1/B) Σ_i g_ij,
 *    and on an untrained model the class-j samples dominate both (g_ij ≈ p_ij − 1 there, p_ij
 *    elsewhere), so their ratio is about the mean embedding of the class-j samples:
 *      ê_j = ∇W₂[:, j] / ∇b₂[j].
 * 2. Class-wise softmax: p̂⁽ʲ⁾ = softmax(ê_j W₂ + b₂) (the authors' scale α = 1).
 * 3. Counts: with Σ_i p_i ≈ Σ_j k_j p̂⁽ʲ⁾, B ∇b₂ = Σ_i p_i − k gives C equations plus Σ_j k_j = B,
 *      [1ᵀ ; P̂ᵀ − I] k = [B ; B ∇b₂],
 *    solved by the Moore–Penrose pseudoinverse (least squares; the system has full column rank
 *    when the p̂⁽ʲ⁾ differ).
 * 4. Label existence: k̂ clipped at 0 and rounded; entries above B set to 0; class j is present
 *    iff its rounded k̂_j > 0 (what the paper's LeAcc scores).
 * 5. The counts: the rounded vector repaired to add up to B (units added where k̂ most exceeds the
 *    rounded count, taken where it falls most short — counts.ts).
 * Unlike the auxiliary-data count system (countSystem.ts, GDBR's step 3), nothing here comes
 * from data the attacker holds.
 */

/** Steps 1–2: p̂⁽ʲ⁾ in row j of [C, C], from ∇W₂ [n, C] and ∇b₂ [C]. */
export function recoverClassSoftmax(head: HeadWeights, logitKernelGradient: ArrayLike<number>, logitBiasGradient: ArrayLike<number>): Float64Array {
  const { hiddenSize: n, classes: C, logitKernel, logitBias } = head;
  // The authors' code caps the ratio's decimal exponent at ±10; a zero bias gradient is treated as
  // a tiny one. Capping the magnitude does the same here.
  const limit = 1e10;
  const logits = new Float32Array(C * C);
  const embedding = new Float64Array(n);
  for (let j = 0; j < C; j++) {
    const bias = logitBiasGradient[j] === 0 ? 1e-64 : logitBiasGradient[j];
    for (let u = 0; u < n; u++) embedding[u] = Math.max(-limit, Math.min(limit, logitKernelGradient[u * C + j] / bias));
    for (let c = 0; c < C; c++) {
      let sum = logitBias[c];
      for (let u = 0; u < n; u++) sum += embedding[u] * logitKernel[u * C + c];
      logits[j * C + c] = sum;
    }
  }
  return Float64Array.from(softmaxRows(logits, C));
}

/** Step 3: k̂ from p̂ (row j = p̂⁽ʲ⁾) and ∇b₂. */
export function solveInstanceCounts(classSoftmax: ArrayLike<number>, logitBiasGradient: ArrayLike<number>, batchSize: number): Float64Array {
  const C = logitBiasGradient.length;
  const rows = C + 1;
  const matrix = new Float64Array(rows * C);
  const rhs = new Float64Array(rows);
  matrix.fill(1, 0, C);
  rhs[0] = batchSize;
  for (let i = 0; i < C; i++) {
    for (let j = 0; j < C; j++) matrix[(i + 1) * C + j] = classSoftmax[j * C + i] - (i === j ? 1 : 0);
    rhs[i + 1] = batchSize * logitBiasGradient[i];
  }
  // Plain least squares (the pseudoinverse's answer at full rank): no hard sum constraint — the
  // sum is one of the equations, as in iLRG — and a vanishing ridge for the rank-deficient case.
  return leastSquares(matrix, rhs, C);
}

function leastSquares(matrix: Float64Array, rhs: Float64Array, unknowns: number): Float64Array {
  // min ‖Mx − r‖² + λ‖x‖² through the normal equations, λ = 1e-12 · mean diagonal: the
  // pseudoinverse's answer when M has full column rank, its minimum-norm limit otherwise.
  const n = unknowns;
  const rows = rhs.length;
  const normal = new Float64Array(n * n);
  const right = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) {
      const mi = matrix[r * n + i];
      right[i] += mi * rhs[r];
      for (let j = 0; j < n; j++) normal[i * n + j] += mi * matrix[r * n + j];
    }
  }
  let trace = 0;
  for (let i = 0; i < n; i++) trace += normal[i * n + i];
  for (let i = 0; i < n; i++) normal[i * n + i] += 1e-12 * (trace / n);
  return solveSymmetric(normal, right, n);
}

function solveSymmetric(matrix: Float64Array, rhs: Float64Array, n: number): Float64Array {
  // Cholesky: the normal matrix is symmetric positive definite after the ridge.
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = matrix[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = i === j ? Math.sqrt(Math.max(sum, 1e-300)) : sum / l[j * n + j];
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = rhs[i];
    for (let k = 0; k < i; k++) sum -= l[i * n + k] * y[k];
    y[i] = sum / l[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k];
    x[i] = sum / l[i * n + i];
  }
  return x;
}

export const ilrgAttack: LabelAttack = {
  name: 'ilrg',
  label: 'iLRG',
  needsLastLayer: true,
  recover(context) {
    const kernelGradient = observedTensor(context, weightName.logitKernel(context.layout));
    const biasGradient = observedTensor(context, weightName.logitBias(context.layout));
    const B = context.batchSize;
    const softmax = recoverClassSoftmax(context.head, kernelGradient, biasGradient);
    const estimate = solveInstanceCounts(softmax, biasGradient, B);
    const rounded = Float64Array.from(estimate, (value) => {
      const count = Math.round(Math.max(0, value));
      return count > B ? 0 : count;
    });
    const present = Array.from(rounded, (count) => count > 0);
    // The repair starts from the filtered, rounded counts and moves units by k̂'s rounding error.
    const counts = roundCounts(Float64Array.from(estimate, (value, c) => (rounded[c] === 0 && value > B ? 0 : value)), B);
    return { counts, present };
  },
};
