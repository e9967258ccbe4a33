import type { OptConfig } from '../opt/config.ts';
import { expectedTensors } from '../opt/weights.ts';

/**
 * Parameters of a whole OPT model from its config (pruned widths included), with and without the
 * embeddings: token and position tables. The LM head is tied to the token table, so it is counted
 * once. Pruning removes parameters only outside the embeddings, so the reduction "without
 * embeddings" is what the structure lost, and "with" is what the file lost.
 */
export interface ParameterCounts {
  total: number;
  embeddings: number;
  withoutEmbeddings: number;
}

export function optParameterCounts(config: OptConfig): ParameterCounts {
  let total = 0;
  let embeddings = 0;
  for (const { name, shape } of expectedTensors(config)) {
    const count = shape.reduce((a, b) => a * b, 1);
    total += count;
    if (name.startsWith('embed_tokens') || name.startsWith('embed_positions')) embeddings += count;
  }
  return { total, embeddings, withoutEmbeddings: total - embeddings };
}

/** Fraction of parameters removed, with and without the embeddings. */
export function parameterReduction(before: ParameterCounts, after: ParameterCounts): { total: number; withoutEmbeddings: number } {
  return {
    total: 1 - after.total / before.total,
    withoutEmbeddings: before.withoutEmbeddings === 0 ? 0 : 1 - after.withoutEmbeddings / before.withoutEmbeddings,
  };
}
