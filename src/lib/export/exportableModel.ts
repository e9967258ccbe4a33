import { InputError } from '../errors.ts';
import type { OptConfig } from '../opt/config.ts';
import type { OptRuntime } from '../opt/runtime.ts';
import type { ModelFiles } from '../opt/sources/modelFiles.ts';
import { expectedTensors, weightsToTensors, type OptWeights } from '../opt/weights.ts';

/**
 * What an export starts from: a (pruned or dense) OPT model as the runtime sees it — its config with
 * the per-layer widths, every weight in HF layout — plus the source's tokenizer files, copied into the
 * export byte for byte.
 */
export interface NamedFile {
  name: string;
  bytes: Uint8Array;
}

export interface ExportableModel {
  config: OptConfig;
  weights: OptWeights;
  /** Tokenizer and generation files of the source, written next to the weights unchanged. */
  companionFiles: NamedFile[];
  /** Where the model came from ("the embedded mini-OPT", "facebook/opt-125m@main"), for metadata. */
  label: string;
}

/** Files a Hugging Face OPT folder may hold besides the weights and config.json, copied through when present. */
export const COMPANION_FILE_NAMES = ['tokenizer.json', 'tokenizer_config.json', 'vocab.json', 'merges.txt', 'special_tokens_map.json', 'generation_config.json'] as const;

/** Reads whichever companion files a source has (a missing one is skipped, not an error). */
export async function readCompanionFiles(files: ModelFiles): Promise<NamedFile[]> {
  const out: NamedFile[] = [];
  for (const name of COMPANION_FILE_NAMES) {
    const bytes = await files.get(name);
    if (bytes) out.push({ name, bytes: new Uint8Array(bytes) });
  }
  return out;
}

/** Checks that every tensor the config calls for is there with the right number of values. */
export function checkWeightsMatchConfig(config: OptConfig, weights: OptWeights): void {
  let tensors: ReturnType<typeof weightsToTensors>;
  try {
    tensors = weightsToTensors(config, weights);
  } catch (error) {
    throw new InputError(`The model's weights do not match its config: ${(error as Error).message}`);
  }
  for (const { name, shape } of expectedTensors(config)) {
    const tensor = tensors[`model.decoder.${name}`];
    const elements = shape.reduce((a, b) => a * b, 1);
    if (tensor.data.length !== elements) {
      throw new InputError(`The model's ${name} has ${tensor.data.length} values, but its config implies [${shape.join(', ')}] = ${elements}`, 'the weights and the per-layer widths (ffn_dims, v_head_dims) disagree');
    }
  }
}

/**
 * The model a runtime currently holds, for a worker that pruned it in place: the decoder layers come
 * from the runtime (with their pruned widths); embeddings, positions, projections and the final layer
 * norm are never pruned, so they come from the weights the model was loaded with.
 */
export async function exportableFromRuntime(
  runtime: OptRuntime,
  loaded: Pick<OptWeights, 'embedTokens' | 'embedPositions' | 'projectIn' | 'projectOut' | 'finalLayerNorm'>,
  source: { companionFiles: NamedFile[]; label: string },
): Promise<ExportableModel> {
  const layers = [];
  for (let l = 0; l < runtime.config.numLayers; l++) layers.push(await runtime.getLayerWeights(l));
  const weights: OptWeights = { ...loaded, layers };
  checkWeightsMatchConfig(runtime.config, weights);
  return { config: runtime.config, weights, ...source };
}
