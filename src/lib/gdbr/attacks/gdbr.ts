import { sumConstrainedLeastSquares } from '../solve.ts';
import { observeBridge, stackBlocks } from './bridgeRows.ts';
import { solveCountSystem } from './countSystem.ts';
import type { AttackContext, LabelAttack } from './types.ts';

/**
 * Gradient Bridge (Zhang, Chow & Li 2024, "Building gradient bridges: label leakage from restricted
 * gradient sharing in federated learning"), for a last layer whose gradient the server never sees.
 * Notation of head.ts; W₂ (the server's copy of the last layer) is known, its gradient is not.
 *
 * 1. The bridge. The hidden bias gradient is, exactly,
 *      ∇b₁[u] = (1/B) Σ_i m_iu (W₂ g_i)_u = Σ_c W₂[u, c] · (1/B) Σ_i m_iu g_ic.
 *    Treat whether unit u fires as independent of the sample's output gradient, firing with the rate
 *    ρ_u measured on the auxiliary data: (1/B) Σ_i m_iu g_ic ≈ ρ_u ḡ_c. Then
 *      ∇b₁ ≈ diag(ρ) W₂ ḡ                                      (n equations, C unknowns)
 *    and likewise for the column sums of ∇W₁ (bridgeRows.ts), with E[s · m_u] in place of ρ_u:
 *      Σ_j ∇W₁[j, ·] ≈ diag(E[s m]) W₂ ḡ.
 * 2. Softmax output gradients add up to zero over the classes (Σ_c p_ic − y_ic = 1 − 1), so
 *    Σ_c ḡ_c = 0: the estimate ĝ is the least-squares solution of both blocks under that constraint.
 * 3. The counts: iLRG's system (countSystem.ts) with ĝ in place of the hidden ∇b_L.
 * Weighting the two blocks equally (stackBlocks) is our choice.
 */
export function bridgeMeanGradient(context: AttackContext): Float64Array {
  const { hiddenSize: n, classes: C, logitKernel } = context.head;
  const { activationRate, massActivation } = context.aux;
  const observed = observeBridge(context);
  const bias = { matrix: new Float64Array(n * C), rhs: Float64Array.from(observed.biasGradient) };
  const kernel = { matrix: new Float64Array(n * C), rhs: observed.kernelColumnSums };
  for (let u = 0; u < n; u++) {
    for (let c = 0; c < C; c++) {
      bias.matrix[u * C + c] = activationRate[u] * logitKernel[u * C + c];
      kernel.matrix[u * C + c] = massActivation[u] * logitKernel[u * C + c];
    }
  }
  const { matrix, rhs } = stackBlocks([bias, kernel], C);
  return sumConstrainedLeastSquares({ matrix, rhs, unknowns: C, sum: 0, prior: new Float64Array(C) });
}

export const gdbrAttack: LabelAttack = {
  name: 'gdbr',
  label: 'GDBR (activation-rate bridge)',
  needsLastLayer: false,
  recover(context) {
    const meanGradient = bridgeMeanGradient(context);
    return { counts: solveCountSystem({ classMeanSoftmax: context.aux.classMeanSoftmax, meanGradient, batchSize: context.batchSize }).counts };
  },
};
