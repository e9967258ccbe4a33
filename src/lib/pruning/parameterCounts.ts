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
  /**
   * q_proj/k_proj rows (and biases) of heads left with no value channel: stored (OPT's layout keeps q/k
   * square) but never needed; the ONNX export leaves them out. Included in the counts above.
   */
  deadQueryKey: number;
}

export function optParameterCounts(config: OptConfig): ParameterCounts {
  let total = 0;
  let embeddings = 0;
  for (const { name, shape } of expectedTensors(config)) {
    const count = shape.reduce((a, b) => a * b, 1);
    total += count;
    if (name.startsWith('embed_tokens') || name.startsWith('embed_positions')) embeddings += count;
  }
  let deadQueryKey = 0;
  const perHead = 2 * config.headDim * (config.hiddenSize + (config.enableBias ? 1 : 0));
  for (const heads of config.vHeadDims) deadQueryKey += perHead * heads.filter((width) => width === 0).length;
  return { total, embeddings, withoutEmbeddings: total - embeddings, deadQueryKey };
}

/**
 * Fraction of parameters removed, with and without the embeddings, as stored; `withoutEmbeddingsLive`
 * also counts the dead q/k rows of removed heads as removed (what the ONNX export holds).
 */
export function parameterReduction(before: ParameterCounts, after: ParameterCounts): { total: number; withoutEmbeddings: number; withoutEmbeddingsLive: number } {
  const live = (counts: ParameterCounts) => counts.withoutEmbeddings - counts.deadQueryKey;
  return {
    total: 1 - after.total / before.total,
    withoutEmbeddings: before.withoutEmbeddings === 0 ? 0 : 1 - after.withoutEmbeddings / before.withoutEmbeddings,
    withoutEmbeddingsLive: live(before) === 0 ? 0 : 1 - live(after) / live(before),
  };
}
