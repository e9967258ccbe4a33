import { roundCounts } from '../counts.ts';
import { sumConstrainedLeastSquares } from '../solve.ts';
import { observeBridge, stackBlocks } from './bridgeRows.ts';
import type { LabelAttack } from './types.ts';

/**
 * A class-conditional bridge — our variant of GDBR, not the paper's. GDBR's step 1 (gdbr.ts) assumes
 * a unit fires independently of the label; in a ReLU network it does not (class-selective units are
 * the point of training). Grouping the batch by class instead,
 *
 *   B · ∇b₁ = Σ_i δ_i = Σ_j Σ_{i: y_i = j} δ_i ≈ Σ_j k_j · E[δ | y = j],
 *
 * where E[δ | y = j] = E[m ⊙ W₂(p − e_j) | y = j] is measured on the auxiliary data through the known
 * W₂ (auxStats.ts). This is linear in the counts k directly — the bridge and iLRG's system in one
 * step, exact in expectation — and the same holds for the column sums of ∇W₁ with E[s δ | y = j].
 * Solved by least squares with Σ k = B, then clipped, rounded and repaired as in iLRG.
 */
export const gdbrClassAttack: LabelAttack = {
  name: 'gdbr-class',
  label: 'GDBR, class-conditional bridge (ours)',
  needsLastLayer: false,
  recover(context) {
    const { hiddenSize: n, classes: C } = context.head;
    const { classBridge, classMassBridge } = context.aux;
    const B = context.batchSize;
    const observed = observeBridge(context);
    const bias = { matrix: new Float64Array(n * C), rhs: Float64Array.from(observed.biasGradient, (value) => B * value) };
    const kernel = { matrix: new Float64Array(n * C), rhs: Float64Array.from(observed.kernelColumnSums, (value) => B * value) };
    for (let u = 0; u < n; u++) {
      for (let j = 0; j < C; j++) {
        bias.matrix[u * C + j] = classBridge[j * n + u];
        kernel.matrix[u * C + j] = classMassBridge[j * n + u];
      }
    }
    const { matrix, rhs } = stackBlocks([bias, kernel], C);
    return { counts: roundCounts(sumConstrainedLeastSquares({ matrix, rhs, unknowns: C, sum: B }), B) };
  },
};
