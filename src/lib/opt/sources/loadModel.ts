import { InputError, isInputError } from '../../errors.ts';
import type { ProgressCallback } from '../../progress.ts';
import { parseOptConfig, type OptConfig } from '../config.ts';
import { parseSafetensors, type SafetensorsFile } from '../safetensors.ts';
import { OptTokenizer } from '../tokenizer/tokenizer.ts';
import { locateTensors } from '../weights.ts';
import type { ModelFiles } from './modelFiles.ts';
import { parseShardIndex } from './shardIndex.ts';

/**
 * Reads an OPT checkpoint from any source: config.json, the tokenizer (tokenizer.json, or vocab.json +
 * merges.txt), and the weights (model.safetensors, or the shards a model.safetensors.index.json names).
 * Byte progress per file; errors name the missing or broken file.
 */
export interface LoadedModelFiles {
  config: OptConfig;
  /** Null only when the caller did not ask for one and none was found (logits from ids need none). */
  tokenizer: OptTokenizer | null;
  weights: SafetensorsFile[];
  /** Bytes of the weight files. */
  weightFileBytes: number;
  /** Things the user should know (a fallback revision, say). */
  notes: string[];
}

const decoder = new TextDecoder();

function parseJson(bytes: ArrayBuffer, file: string, label: string): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    throw new InputError(`${file} in ${label} is not valid JSON`);
  }
}

/**
 * When the files turn out not to make a model (a config that does not match the weights, a shard
 * index whose sizes disagree), the cached copies of this source's files are dropped: the next load
 * downloads them afresh rather than failing the same way from the cache forever.
 */
export async function loadModelFiles(source: ModelFiles, onProgress?: ProgressCallback, options: { requireTokenizer?: boolean } = {}): Promise<LoadedModelFiles> {
  const sources: ModelFiles[] = [source];
  try {
    return await readModelFiles(source, sources, onProgress, options);
  } catch (error) {
    if (!isInputError(error) || !sources.some((files) => files.evictCached)) throw error;
    let evicted = 0;
    for (const files of sources) evicted += (await files.evictCached?.()) ?? 0;
    if (evicted === 0) throw error;
    const detail = (error as InputError).detail;
    throw new InputError(error.message, `${detail ? `${detail}; ` : ''}the ${evicted} cached file(s) of this model were removed, so loading again downloads them afresh`);
  }
}

async function readModelFiles(source: ModelFiles, sources: ModelFiles[], onProgress: ProgressCallback | undefined, options: { requireTokenizer?: boolean }): Promise<LoadedModelFiles> {
  const fetchFile = (files: ModelFiles, file: string) =>
    files.get(file, (done, total) => onProgress?.({ phase: 'download', done, total: total ?? done, message: file }));

  const configBytes = await fetchFile(source, 'config.json');
  if (!configBytes) throw new InputError(`No config.json in ${source.label}`, 'an OPT model folder holds config.json, the tokenizer files and model.safetensors');
  const config = parseOptConfig(parseJson(configBytes, 'config.json', source.label));

  const tokenizerJsonBytes = await fetchFile(source, 'tokenizer.json');
  const configFileBytes = await fetchFile(source, 'tokenizer_config.json');
  const tokenizerFiles = {
    tokenizerJson: tokenizerJsonBytes && parseJson(tokenizerJsonBytes, 'tokenizer.json', source.label),
    tokenizerConfig: configFileBytes && parseJson(configFileBytes, 'tokenizer_config.json', source.label),
    vocabJson: undefined as unknown,
    mergesTxt: undefined as string | undefined,
  };
  if (!tokenizerFiles.tokenizerJson) {
    const vocab = await fetchFile(source, 'vocab.json');
    const merges = await fetchFile(source, 'merges.txt');
    tokenizerFiles.vocabJson = vocab && parseJson(vocab, 'vocab.json', source.label);
    tokenizerFiles.mergesTxt = merges && decoder.decode(merges);
  }
  const hasTokenizer = Boolean(tokenizerFiles.tokenizerJson || tokenizerFiles.vocabJson || tokenizerFiles.mergesTxt);
  const tokenizer = hasTokenizer || (options.requireTokenizer ?? true) ? OptTokenizer.fromFiles(tokenizerFiles, { bosTokenId: config.bosTokenId, vocabSize: config.vocabSize }) : null;

  const notes: string[] = [];
  const located = source.weightsFiles ? await source.weightsFiles() : { files: source };
  if (located.note) notes.push(located.note);
  const weightSource = located.files;
  sources.push(weightSource);
  const weights: SafetensorsFile[] = [];
  const single = await fetchFile(weightSource, 'model.safetensors');
  if (single) {
    weights.push(parseSafetensors(single, 'model.safetensors'));
  } else {
    const indexBytes = await fetchFile(weightSource, 'model.safetensors.index.json');
    if (!indexBytes) {
      throw new InputError(`No model.safetensors in ${weightSource.label}`, 'expected model.safetensors or a sharded model.safetensors.index.json (pytorch_model.bin cannot be read in the browser)');
    }
    const index = parseShardIndex(parseJson(indexBytes, 'model.safetensors.index.json', weightSource.label));
    for (const shard of index.shards) {
      const bytes = await fetchFile(weightSource, shard);
      if (!bytes) throw new InputError(`The shard ${shard} named by model.safetensors.index.json is missing from ${weightSource.label}`);
      weights.push(parseSafetensors(bytes, shard));
    }
    checkShards(index, weights);
  }
  // Config against checkpoint, tensor by tensor, from the headers alone (nothing is allocated yet).
  locateTensors(config, weights);
  return { config, tokenizer, weights, weightFileBytes: weights.reduce((sum, w) => sum + w.bytes.byteLength, 0), notes };
}

/** Each tensor sits in the shard the index names, and the tensors add up to the stated total size. */
function checkShards(index: ReturnType<typeof parseShardIndex>, weights: readonly SafetensorsFile[]): void {
  let totalSize = 0;
  for (const file of weights) {
    for (const entry of file.tensors.values()) {
      totalSize += entry.end - entry.begin;
      const listed = index.weightMap.get(entry.name);
      if (listed !== undefined && listed !== file.fileName) {
        throw new InputError(`model.safetensors.index.json: weight_map puts ${entry.name} in ${listed}, but it is in ${file.fileName}`);
      }
    }
  }
  for (const [tensor, shard] of index.weightMap) {
    if (!weights.some((file) => file.fileName === shard && file.tensors.has(tensor))) {
      throw new InputError(`model.safetensors.index.json: weight_map puts ${tensor} in ${shard}, which does not hold it`);
    }
  }
  if (index.totalSize !== undefined && index.totalSize !== totalSize) {
    throw new InputError(`model.safetensors.index.json: metadata.total_size is ${index.totalSize} bytes but the shards hold ${totalSize}`, 'a shard is truncated or from another checkpoint');
  }
}
