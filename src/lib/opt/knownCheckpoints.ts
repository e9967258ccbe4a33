import { optParameterCounts } from '../pruning/parameterCounts.ts';
import { parseOptConfig } from './config.ts';

/**
 * OPT checkpoints on the Hugging Face hub that this runtime loads, with what they cost before a user
 * starts a download: parameters from each repo's published config.json (the fields that differ from
 * OPT's defaults), the download at 2 bytes a parameter (the hub's checkpoints are float16), and the
 * memory for the weights once loaded at 4 bytes a parameter (this runtime computes in float32).
 */
export interface KnownCheckpoint {
  repo: string;
  label: string;
  parameters: number;
  downloadBytes: number;
  memoryBytes: number;
}

const CONFIGS: { repo: string; label: string; config: Record<string, unknown> }[] = [
  { repo: 'facebook/opt-125m', label: 'OPT-125m', config: { hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, ffn_dim: 3072 } },
  { repo: 'facebook/opt-350m', label: 'OPT-350m', config: { hidden_size: 1024, num_hidden_layers: 24, num_attention_heads: 16, ffn_dim: 4096, word_embed_proj_dim: 512, do_layer_norm_before: false } },
  { repo: 'facebook/opt-1.3b', label: 'OPT-1.3b', config: { hidden_size: 2048, num_hidden_layers: 24, num_attention_heads: 32, ffn_dim: 8192 } },
];

export const KNOWN_CHECKPOINTS: readonly KnownCheckpoint[] = CONFIGS.map(({ repo, label, config }) => {
  const parameters = optParameterCounts(parseOptConfig({ model_type: 'opt', vocab_size: 50272, max_position_embeddings: 2048, ...config })).total;
  return { repo, label, parameters, downloadBytes: 2 * parameters, memoryBytes: 4 * parameters };
});

/** Bytes as MB/GB (decimal, as download sizes are usually shown). */
export function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;
}
