import { parseOptConfig, type OptConfig } from '../../src/lib/opt/config.ts';
import { randomOptWeights } from '../../src/lib/opt/randomWeights.ts';
import type { OptWeights } from '../../src/lib/opt/weights.ts';
import { Rng } from '../../src/lib/util/random.ts';

/**
 * Small random OPT variants that cover the architecture's options: pre- and post-LN, project_in/out
 * (as in opt-350m), no affine LN, no biases, and pruned per-layer widths with a head that keeps no
 * value channels.
 */
export const VARIANTS: Record<string, Record<string, unknown>> = {
  'pre-LN (125m-like)': { hidden_size: 24, num_attention_heads: 3, ffn_dim: 40, num_hidden_layers: 2 },
  'post-LN with project_in/out (350m-like)': {
    hidden_size: 24,
    num_attention_heads: 4,
    ffn_dim: 36,
    num_hidden_layers: 2,
    do_layer_norm_before: false,
    word_embed_proj_dim: 16,
  },
  'no biases, no LN affine': { hidden_size: 16, num_attention_heads: 2, ffn_dim: 20, num_hidden_layers: 2, enable_bias: false, layer_norm_elementwise_affine: false },
  'pruned widths, one head with no value channels': {
    hidden_size: 24,
    num_attention_heads: 4,
    ffn_dim: 40,
    num_hidden_layers: 3,
    ffn_dims: [17, 0, 40],
    v_head_dims: [
      [6, 0, 3, 5],
      [0, 0, 0, 0],
      [6, 6, 6, 6],
    ],
    v_dims: [14, 0, 24],
  },
};

export function variant(name: string, seed = 7): { config: OptConfig; weights: OptWeights } {
  const config = parseOptConfig({ vocab_size: 53, max_position_embeddings: 20, ...VARIANTS[name] });
  return { config, weights: randomOptWeights(config, new Rng(seed)) };
}

/** Largest |got − want| / (1 + |want|). */
export function closeness(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} ≠ ${want.length}`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const error = Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i]));
    if (!(error <= worst)) worst = Number.isNaN(error) ? Infinity : error;
  }
  return worst;
}

export function randomIds(rng: Rng, length: number, vocab: number): Int32Array {
  return Int32Array.from({ length }, (_, i) => (i === 0 ? 2 : rng.int(vocab)));
}

/** Copies weights (a runtime takes ownership of what it is given). */
export function cloneWeights(weights: OptWeights): OptWeights {
  return structuredClone(weights);
}
