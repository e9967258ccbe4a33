import { roundCounts } from '../counts.ts';
import { weightName } from '../head.ts';
import { observedTensor, type LabelAttack } from './types.ts';

/**
 * iDLG's sign rule (Zhao et al. 2020, "iDLG: Improved deep leakage from gradients"): for one sample,
 * ∇W_L's row of class c is g_c · a with a ≥ 0 (ReLU), and g_c = p_c − y_c is negative only for the
 * true class. We read the sign of each class's summed row, r_c = Σ_u ∇W₂[u, c].
 * For B > 1 (our extension, not iDLG's): every class with r_c < 0 is called present and the batch is
 * split evenly among them — the rule knows which labels occur, not how often.
 */
export const idlgAttack: LabelAttack = {
  name: 'idlg',
  label: 'iDLG sign rule',
  needsLastLayer: true,
  recover(context) {
    const kernel = observedTensor(context, weightName.logitKernel(context.layout));
    const { classes: C, hiddenSize: n } = context.head;
    const rowSums = new Float64Array(C);
    for (let u = 0; u < n; u++) for (let c = 0; c < C; c++) rowSums[c] += kernel[u * C + c];
    let lowest = 0;
    for (let c = 1; c < C; c++) if (rowSums[c] < rowSums[lowest]) lowest = c;
    const present = context.batchSize === 1 ? [lowest] : [...rowSums.keys()].filter((c) => rowSums[c] < 0);
    if (present.length === 0) present.push(lowest);
    const share = new Float64Array(C);
    for (const c of present) share[c] = context.batchSize / present.length;
    return { counts: roundCounts(share, context.batchSize) };
  },
};
