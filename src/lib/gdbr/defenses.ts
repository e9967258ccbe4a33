import { InputError } from '../errors.ts';
import type { NamedTensor } from '../train/namedTensor.ts';
import type { Rng } from '../util/random.ts';
import { weightName, type HeadLayout } from './head.ts';

/**
 * What the server gets to see of a client's gradient. Three independent knobs:
 * - the last layer (logits) gradient: shared; withheld (encrypted for secure aggregation, or simply
 *   not sent — the server still knows the weights it sent out); or kept local (the client trains a
 *   private head, as in FedPer/FedRep, so the server knows neither that gradient nor the head it came
 *   from — the simulation fine-tunes the victim's head on its own data before the batch);
 * - pruning: each gradient tensor's smallest-magnitude entries are zeroed, `pruneRatio` of them
 *   (the defense of Zhu et al. 2019, "Deep leakage from gradients", per tensor);
 * - Gaussian noise of standard deviation `noiseSigma` on every shared entry (after pruning).
 * The attacks read pruned entries as the zeros they are: a pruned entry was small, so 0 is a fair value.
 */
export type LastLayerPolicy = 'shared' | 'withheld' | 'local';

export interface DefenseSpec {
  lastLayer: LastLayerPolicy;
  /** Share of each tensor's entries zeroed, in [0, 1). */
  pruneRatio: number;
  /** Standard deviation of the added noise, ≥ 0. */
  noiseSigma: number;
}

export const NO_DEFENSE: DefenseSpec = { lastLayer: 'shared', pruneRatio: 0, noiseSigma: 0 };

export interface ObservedGradients {
  /** The shared tensors by name; withheld ones are absent. */
  byName: Map<string, Float32Array>;
  defense: DefenseSpec;
}

export function checkDefense(defense: DefenseSpec): DefenseSpec {
  if (!['shared', 'withheld', 'local'].includes(defense.lastLayer)) throw new InputError(`unknown last-layer policy "${defense.lastLayer}"`, 'expected shared, withheld or local');
  if (!(defense.pruneRatio >= 0 && defense.pruneRatio < 1)) throw new InputError(`the pruning ratio must be in [0, 1), got ${defense.pruneRatio}`);
  if (!(defense.noiseSigma >= 0 && Number.isFinite(defense.noiseSigma))) throw new InputError(`the noise σ must be a number ≥ 0, got ${defense.noiseSigma}`);
  return defense;
}

export function lastLayerVisible(defense: DefenseSpec): boolean {
  return defense.lastLayer === 'shared';
}

/** The gradient as the server receives it. `rng` draws the noise. */
export function applyDefense(gradients: readonly NamedTensor[], defense: DefenseSpec, layout: HeadLayout, rng: Rng): ObservedGradients {
  checkDefense(defense);
  const hidden = new Set(lastLayerVisible(defense) ? [] : [weightName.logitKernel(layout), weightName.logitBias(layout)]);
  const byName = new Map<string, Float32Array>();
  for (const gradient of gradients) {
    if (hidden.has(gradient.name)) continue;
    const values = gradient.values.slice();
    if (defense.pruneRatio > 0) pruneSmallest(values, defense.pruneRatio);
    if (defense.noiseSigma > 0) for (let i = 0; i < values.length; i++) values[i] += defense.noiseSigma * rng.normal();
    byName.set(gradient.name, values);
  }
  return { byName, defense };
}

/** Zeroes the ⌊ratio · length⌋ entries of smallest magnitude, in place. */
export function pruneSmallest(values: Float32Array, ratio: number): void {
  const dropped = Math.floor(ratio * values.length);
  if (dropped === 0) return;
  const magnitudes = Float32Array.from(values, Math.abs).sort();
  const threshold = magnitudes[dropped - 1];
  // Ties at the threshold: drop exactly `dropped` entries, first come first dropped.
  let tiesToDrop = 0;
  for (let i = 0; i < dropped; i++) if (magnitudes[i] === threshold) tiesToDrop++;
  for (let i = 0; i < values.length; i++) {
    const magnitude = Math.abs(values[i]);
    if (magnitude < threshold) values[i] = 0;
    else if (magnitude === threshold && tiesToDrop > 0) {
      values[i] = 0;
      tiesToDrop--;
    }
  }
}

export function describeDefense(defense: DefenseSpec): string {
  const parts: string[] = [];
  if (defense.lastLayer === 'withheld') parts.push('last layer withheld');
  if (defense.lastLayer === 'local') parts.push('last layer kept local');
  if (defense.pruneRatio > 0) parts.push(`pruned ${Math.round(defense.pruneRatio * 100)} %`);
  if (defense.noiseSigma > 0) parts.push(`noise σ = ${defense.noiseSigma}`);
  return parts.length ? parts.join(', ') : 'no defense';
}
