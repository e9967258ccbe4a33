import { roundCounts } from '../counts.ts';
import { weightName } from '../head.ts';
import { observedTensor, type LabelAttack } from './types.ts';

/**
 * A bias-gradient count estimate in the style of LLG (Wainakh et al. 2022, "User-level label leakage
 * from gradients in federated learning"): classes with a negative gradient are present (LLG's first
 * step), and since B · ḡ_c = Σ_i p_ic − k_c, the count of class c is k_c ≈ B · (p̄_c − ḡ_c) with p̄ the
 * mean softmax over the auxiliary set — one "impact" shared by all classes, where iLRG's system
 * (ilrg.ts) lets it depend on the class. LLG reads ∇W_L's rows; the bias carries the same signal
 * without the activations' scale.
 */
export const llgAttack: LabelAttack = {
  name: 'llg',
  label: 'LLG-style bias count',
  needsLastLayer: true,
  recover(context) {
    const meanGradient = observedTensor(context, weightName.logitBias(context.layout));
    const B = context.batchSize;
    const estimate = Float64Array.from(meanGradient, (g, c) => {
      const count = B * (context.aux.meanSoftmax[c] - g);
      return g < 0 ? Math.max(1, count) : count;
    });
    return roundCounts(estimate, B);
  },
};
