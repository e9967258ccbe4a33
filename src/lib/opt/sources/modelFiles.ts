import { readSafetensorsHeaderFirst } from '../safetensors.ts';

/**
 * A place model files come from: a hub repository at a revision, a URL folder, files picked from disk,
 * or the embedded default. `get` returns a file's bytes, or undefined when the source has no such file.
 */
export interface ModelFiles {
  /** For messages and the page: "facebook/opt-125m@main", "https://…/", "3 local files". */
  readonly label: string;
  get(file: string, onBytes?: (done: number, total: number | undefined) => void): Promise<ArrayBuffer | undefined>;
  /** Where the weights come from when that differs (a hub repo whose main branch lacks safetensors). */
  weightsFiles?(): Promise<{ files: ModelFiles; note?: string }>;
  /** Drops the cached copies of the files read so far (a load that failed on them); returns how many. */
  evictCached?(): Promise<number>;
}

/** Files the user picked or dropped (a folder or several files); matched by base name. */
export class LocalFiles implements ModelFiles {
  private readonly byName = new Map<string, Blob>();

  constructor(files: Iterable<{ name: string; blob: Blob }>) {
    for (const { name, blob } of files) this.byName.set(name.split('/').pop()!, blob);
  }

  get label(): string {
    return `${this.byName.size} local file${this.byName.size === 1 ? '' : 's'}`;
  }

  async get(file: string, onBytes?: (done: number, total: number | undefined) => void): Promise<ArrayBuffer | undefined> {
    const blob = this.byName.get(file);
    if (!blob) return undefined;
    // A safetensors file's header is read (File.slice) and checked before its data.
    const bytes = file.endsWith('.safetensors')
      ? await readSafetensorsHeaderFirst(file, blob.size, async (begin, end) => new Uint8Array(await blob.slice(begin, end).arrayBuffer()), () => blob.arrayBuffer())
      : await blob.arrayBuffer();
    onBytes?.(bytes.byteLength, bytes.byteLength);
    return bytes;
  }
}
