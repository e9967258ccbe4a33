import { InputError } from '../errors.ts';
import { keepCountFor, MAX_SPARSITY, rankColumns, validateSparsity } from './topK.ts';

/**
 * How many channels each layer keeps of one group type (FFN or attention values).
 *
 * `uniform` (the default): every layer removes the fraction s.
 *
 * `global`: the same total is removed, but layers compete for it. Each layer's scores are standardised
 * to z = (S − mean) / std within the layer, as FLAP does for its adaptive structure search (An et al.
 * 2024, §3.3), because raw scores are not comparable across layers (activation norms grow with depth).
 * Every layer first keeps its best `width·(1 − maxSparsity)` channels; the remaining budget goes to the
 * highest z over all layers, with no layer keeping more than `width·(1 − minSparsity)`. Ties: lower
 * layer, then lower channel index. The bounds default to s ± 0.2, clipped to [0, 0.9], so no layer is
 * hollowed out or left untouched by a few outlier scores.
 *
 * `joint`: FLAP's adaptive structure search (flapSearch.ts): one threshold over the standardised scores
 * of FFN channels and attention heads of all layers together, with statistics from the dense model and
 * no per-layer bounds. FLAP's default; only FLAP runs it.
 */
export type AllocationMode = 'uniform' | 'global' | 'joint';
export const ALLOCATION_MODES: readonly AllocationMode[] = ['uniform', 'global', 'joint'];

export interface SparsityBounds {
  minSparsity: number;
  maxSparsity: number;
}

export function defaultBounds(sparsity: number): SparsityBounds {
  return { minSparsity: Math.max(0, sparsity - 0.2), maxSparsity: Math.min(MAX_SPARSITY, sparsity + 0.2) };
}

export function uniformKeepCounts(widths: readonly number[], sparsity: number): number[] {
  validateSparsity(sparsity);
  return widths.map((width) => keepCountFor(width, sparsity));
}

export function validateBounds(bounds: SparsityBounds, sparsity: number): SparsityBounds {
  validateSparsity(bounds.minSparsity, 'layerSparsityBounds.minSparsity');
  validateSparsity(bounds.maxSparsity, 'layerSparsityBounds.maxSparsity');
  if (!(bounds.minSparsity <= sparsity && sparsity <= bounds.maxSparsity)) {
    throw new InputError('Per-layer sparsity bounds must contain the target sparsity', `got [${bounds.minSparsity}, ${bounds.maxSparsity}] for s = ${sparsity}`);
  }
  return bounds;
}

export function globalKeepCounts(scoresPerLayer: readonly Float64Array[], sparsity: number, bounds: SparsityBounds = defaultBounds(sparsity)): number[] {
  validateSparsity(sparsity);
  validateBounds(bounds, sparsity);
  const widths = scoresPerLayer.map((scores) => scores.length);
  const target = uniformKeepCounts(widths, sparsity).reduce((a, b) => a + b, 0);
  const minKeep = widths.map((width) => keepCountFor(width, bounds.maxSparsity));
  const maxKeep = widths.map((width) => keepCountFor(width, bounds.minSparsity));
  const keep = [...minKeep];
  let budget = target - minKeep.reduce((a, b) => a + b, 0);

  // Candidates beyond each layer's guaranteed channels, in the layer's own rank order.
  const candidates: { layer: number; rank: number; z: number }[] = [];
  scoresPerLayer.forEach((scores, layer) => {
    const z = standardise(scores);
    const order = rankColumns(scores);
    for (let rank = minKeep[layer]; rank < maxKeep[layer]; rank++) candidates.push({ layer, rank, z: z[order[rank]] });
  });
  candidates.sort((a, b) => b.z - a.z || a.layer - b.layer || a.rank - b.rank);
  for (const candidate of candidates) {
    if (budget <= 0) break;
    // A layer's candidates arrive in its rank order (z is monotone in S), so counting is enough.
    keep[candidate.layer]++;
    budget--;
  }
  return keep;
}

function standardise(scores: Float64Array): Float64Array {
  const n = scores.length;
  if (n === 0) return new Float64Array(0);
  const mean = scores.reduce((a, b) => a + b, 0) / n;
  const variance = scores.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  const std = Math.sqrt(variance);
  return scores.map((s) => (std > 0 ? (s - mean) / std : 0));
}
