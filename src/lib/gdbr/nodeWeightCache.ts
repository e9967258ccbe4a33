import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NamedTensor } from '../train/namedTensor.ts';
import { encodeSafetensors } from '../train/safetensors.ts';
import type { WeightCache } from './weightCache.ts';

/**
 * Node only (CLI, study script): trained stages as .safetensors files in a folder, named by a hash
 * of their key (the key itself goes in the file's metadata and is checked on reading).
 */
export class FileWeightCache implements WeightCache {
  constructor(private readonly folder: string) {}

  private path(key: string): string {
    return join(this.folder, `${createHash('sha256').update(key).digest('hex').slice(0, 24)}.safetensors`);
  }

  async get(key: string): Promise<NamedTensor[] | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(this.path(key)));
    } catch {
      return undefined;
    }
    const { tensors, metadata } = decodeF32Safetensors(bytes);
    return metadata.key === key ? tensors : undefined;
  }

  async set(key: string, weights: readonly NamedTensor[]): Promise<void> {
    await mkdir(this.folder, { recursive: true });
    const path = this.path(key);
    await writeFile(`${path}.partial`, encodeSafetensors(weights, { key }));
    await rename(`${path}.partial`, path);
  }
}

/** Reads what encodeSafetensors writes (F32 tensors), in header order. */
export function decodeF32Safetensors(bytes: Uint8Array): { tensors: NamedTensor[]; metadata: Record<string, string> } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) throw new RangeError('safetensors: shorter than its 8-byte header length');
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.length) throw new RangeError('safetensors: the header runs past the end of the file');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  const dataStart = 8 + headerLength;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors: NamedTensor[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: [begin, end] } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (dtype !== 'F32') throw new RangeError(`safetensors: ${name} is ${dtype}, only F32 is read here`);
    if (dataStart + end > bytes.length) throw new RangeError(`safetensors: ${name} runs past the end of the file`);
    const values = new Float32Array((end - begin) / 4);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(dataStart + begin + 4 * i, true);
    tensors.push({ name, shape, values });
  }
  return { tensors, metadata };
}
