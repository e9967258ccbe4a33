import { InputError } from '../../errors.ts';

/**
 * `model.safetensors.index.json` of a sharded checkpoint: `weight_map` maps each tensor name to the
 * shard file holding it, and `metadata.total_size` (optional) is the tensors' total byte count.
 * Shard names must stay inside the model's folder: relative paths of plain names, no `..`, no
 * absolute path or URL — a hostile index cannot send the loader to another folder or host.
 */
export interface ShardIndex {
  /** Shard files in first-mention order, each once. */
  shards: string[];
  weightMap: Map<string, string>;
  /** Sum of the tensors' byte lengths, when the index states it. */
  totalSize?: number;
}

/** A safe relative name: segments that start with a letter, digit or underscore, ending in .safetensors. */
const SHARD_NAME = /^[A-Za-z0-9_][\w.-]*(\/[A-Za-z0-9_][\w.-]*)*\.safetensors$/;
/** More shards than any real checkpoint has (OPT-175B's conversion has under 100). */
const MAX_SHARDS = 10_000;

export function checkFileName(name: string, fileName: string, field: string): string {
  if (typeof name !== 'string' || name.length > 255 || !SHARD_NAME.test(name)) {
    throw new InputError(
      `${fileName}: ${field} names the shard ${JSON.stringify(name).slice(0, 120)}, which is not a file in the model's folder`,
      'shard names must be relative .safetensors file names (no "..", no absolute path or URL)',
    );
  }
  return name;
}

export function parseShardIndex(json: unknown, fileName = 'model.safetensors.index.json'): ShardIndex {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new InputError(`${fileName} is not a JSON object`);
  const raw = json as { weight_map?: unknown; metadata?: unknown };
  const map = raw.weight_map;
  if (map === null || typeof map !== 'object' || Array.isArray(map)) {
    throw new InputError(`${fileName}: "weight_map" must be an object of tensor name → shard file`, `got ${JSON.stringify(map)?.slice(0, 120)}`);
  }
  const weightMap = new Map<string, string>();
  const shards = new Set<string>();
  for (const [tensor, shard] of Object.entries(map)) {
    if (typeof shard !== 'string') {
      throw new InputError(`${fileName}: weight_map["${tensor.slice(0, 80)}"] must be a shard file name, got ${JSON.stringify(shard)?.slice(0, 80)}`);
    }
    shards.add(checkFileName(shard, fileName, `weight_map["${tensor.slice(0, 80)}"]`));
    if (shards.size > MAX_SHARDS) throw new InputError(`${fileName}: weight_map names more than ${MAX_SHARDS} shards`);
    weightMap.set(tensor, shard);
  }
  if (shards.size === 0) throw new InputError(`${fileName}: "weight_map" is empty`, 'a shard index names at least one shard');
  let totalSize: number | undefined;
  const metadata = raw.metadata as { total_size?: unknown } | undefined;
  if (metadata !== undefined && metadata !== null && typeof metadata === 'object' && metadata.total_size !== undefined) {
    if (!Number.isSafeInteger(metadata.total_size) || (metadata.total_size as number) < 0) {
      throw new InputError(`${fileName}: metadata.total_size must be a byte count, got ${JSON.stringify(metadata.total_size)?.slice(0, 80)}`);
    }
    totalSize = metadata.total_size as number;
  }
  return { shards: [...shards], weightMap, totalSize };
}
