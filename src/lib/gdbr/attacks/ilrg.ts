import { weightName } from '../head.ts';
import { solveCountSystem } from './countSystem.ts';
import { observedTensor, type LabelAttack } from './types.ts';

/** iLRG's count system (countSystem.ts) on the shared last-layer bias gradient ḡ = ∇b_L. */
export const ilrgAttack: LabelAttack = {
  name: 'ilrg',
  label: 'iLRG linear system',
  needsLastLayer: true,
  recover(context) {
    const meanGradient = observedTensor(context, weightName.logitBias(context.layout));
    return solveCountSystem({ classMeanSoftmax: context.aux.classMeanSoftmax, meanGradient, batchSize: context.batchSize }).counts;
  },
};
