import type { AuxStats } from '../auxStats.ts';
import type { ObservedGradients } from '../defenses.ts';
import type { HeadLayout, HeadWeights } from '../head.ts';

/** What every label-recovery attack gets: the server's view of one client update. */
export interface AttackContext {
  observed: ObservedGradients;
  layout: HeadLayout;
  /** The head of the global model, as the server sent it. */
  head: HeadWeights;
  aux: AuxStats;
  /** B: clients report their sample counts for FedAvg weighting, so the server knows it. */
  batchSize: number;
}

export type AttackName = 'idlg' | 'llg' | 'llg-plus' | 'llg-star' | 'ilrg' | 'gdbr' | 'gdbr-class';

/** What an attack recovers: the count of each class [C] adding up to B, and — for an attack with its
 *  own label-existence step (iLRG) — which classes it calls present; otherwise presence is count > 0. */
export interface Recovery {
  counts: Int32Array;
  present?: boolean[];
}

export interface LabelAttack {
  name: AttackName;
  label: string;
  /** Reads the last layer's gradient, so a defense that hides it stops the attack. */
  needsLastLayer: boolean;
  recover(context: AttackContext): Recovery;
}

/** A shared tensor by name, or an error naming what the defense removed. */
export function observedTensor(context: AttackContext, name: string): Float32Array {
  const values = context.observed.byName.get(name);
  if (!values) throw new RangeError(`the server did not receive ${name}`);
  return values;
}
