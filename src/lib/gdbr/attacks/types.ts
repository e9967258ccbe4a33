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

export type AttackName = 'idlg' | 'llg' | 'ilrg' | 'gdbr' | 'gdbr-class';

export interface LabelAttack {
  name: AttackName;
  label: string;
  /** Reads the last layer's gradient, so a defense that hides it stops the attack. */
  needsLastLayer: boolean;
  /** Recovered count of each class [C], adding up to the batch size. */
  recover(context: AttackContext): Int32Array;
}

/** A shared tensor by name, or an error naming what the defense removed. */
export function observedTensor(context: AttackContext, name: string): Float32Array {
  const values = context.observed.byName.get(name);
  if (!values) throw new RangeError(`the server did not receive ${name}`);
  return values;
}
