import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { CpuOptRuntime } from '../../lib/opt/cpu/cpuRuntime.ts';
import { nodeTf } from '../../lib/opt/cpu/nodeTf.ts';
import type { ByteCache } from '../../lib/opt/sources/byteCache.ts';
import { loadModelFiles, type LoadedModelFiles } from '../../lib/opt/sources/loadModel.ts';
import type { ModelFiles } from '../../lib/opt/sources/modelFiles.ts';
import { HubRepo, parseRepoId } from '../../lib/opt/sources/remoteFiles.ts';
import { readSafetensorsHeaderFirst } from '../../lib/opt/safetensors.ts';
import { loadOptWeights } from '../../lib/opt/weights.ts';
import { InputError } from '../../lib/errors.ts';

/**
 * `--model` for the OPT commands (logits, ppl, generate): `embedded` (the shipped mini-OPT), a folder,
 * or a hub id `owner/name[@revision]`. Hub files are cached under .cache/hub/ (or $PAPERLAB_CACHE_DIR); `PAPERLAB_HUB_URL`
 * points the hub at another server with the same URL layout (tests use a local one). Always the CPU
 * path (tfjs-wasm), the same lib code as the page's CPU path.
 */
export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
export const EMBEDDED_MODEL_DIR = path.join(REPO_ROOT, 'public', 'datasets', 'models', 'mini-opt');
export const WIKITEXT_TEST_FILE = path.join(REPO_ROOT, 'public', 'datasets', 'wikitext-2', 'test.txt');

class FolderFiles implements ModelFiles {
  constructor(private readonly dir: string) {}

  get label(): string {
    return this.dir;
  }

  async get(file: string): Promise<ArrayBuffer | undefined> {
    const full = path.resolve(this.dir, file);
    if (!full.startsWith(this.dir + path.sep)) throw new InputError(`The file name ${JSON.stringify(file)} points outside ${this.dir}`);
    if (!existsSync(full)) return undefined;
    return readWholeFile(full, file);
  }
}

/**
 * One file into one ArrayBuffer, read in chunks (no Buffer copy, and no 2 GiB limit of readFileSync);
 * a safetensors file's header is read and checked first, so a wrong file costs a few bytes of reading.
 */
async function readWholeFile(full: string, name: string): Promise<ArrayBuffer> {
  const fd = openSync(full, 'r');
  try {
    const size = statSync(full).size;
    const readRange = async (begin: number, end: number): Promise<Uint8Array> => {
      const out = new Uint8Array(end - begin);
      for (let done = 0; done < out.byteLength; ) {
        const read = readSync(fd, out, done, Math.min(out.byteLength - done, 1 << 26), begin + done);
        if (read === 0) throw new InputError(`${full} ended at byte ${begin + done} while reading (changed on disk?)`);
        done += read;
      }
      return out;
    };
    const readAll = async (): Promise<ArrayBuffer> => {
      try {
        return (await readRange(0, size)).buffer as ArrayBuffer;
      } catch (error) {
        if (error instanceof InputError) throw error;
        throw new InputError(`${full} (${(size / 2 ** 30).toFixed(2)} GiB) could not be read into memory`, error instanceof Error ? error.message : String(error));
      }
    };
    return name.endsWith('.safetensors') ? await readSafetensorsHeaderFirst(full, size, readRange, readAll) : await readAll();
  } finally {
    closeSync(fd);
  }
}

/** Hub downloads on disk, one file per URL; written to a temporary name and renamed, so a crash never leaves half a file. */
class DiskCache implements ByteCache {
  readonly kind = 'cache-api' as const;
  constructor(private readonly dir: string) {}

  private file(url: string): string {
    return path.join(this.dir, createHash('sha256').update(url).digest('hex').slice(0, 32));
  }

  async get(url: string): Promise<ArrayBuffer | undefined> {
    const file = this.file(url);
    return existsSync(file) ? readWholeFile(file, url) : undefined;
  }

  async has(url: string): Promise<boolean> {
    return existsSync(this.file(url));
  }

  async put(url: string, bytes: ArrayBuffer): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const temporary = `${this.file(url)}.${process.pid}.partial`;
    writeFileSync(temporary, new Uint8Array(bytes));
    renameSync(temporary, this.file(url));
  }

  async delete(url: string): Promise<void> {
    rmSync(this.file(url), { force: true });
  }
}

export function modelFilesFor(spec: string): ModelFiles {
  if (spec === 'embedded') return new FolderFiles(EMBEDDED_MODEL_DIR);
  if (existsSync(spec) && statSync(spec).isDirectory()) return new FolderFiles(path.resolve(spec));
  if (spec.startsWith('.') || spec.startsWith('/')) throw new InputError(`--model ${spec}: no such folder`);
  const { repo, revision } = parseRepoId(spec);
  return new HubRepo(repo, revision, { baseUrl: process.env.PAPERLAB_HUB_URL, cache: new DiskCache(process.env.PAPERLAB_CACHE_DIR ?? path.join(REPO_ROOT, '.cache', 'hub')) });
}

export interface CliModel extends LoadedModelFiles {
  runtime: CpuOptRuntime;
}

export interface CliModelWithTokenizer extends CliModel {
  tokenizer: NonNullable<LoadedModelFiles['tokenizer']>;
}

export async function openCliModel(spec: string | undefined, options?: { requireTokenizer: true }): Promise<CliModelWithTokenizer>;
export async function openCliModel(spec: string | undefined, options: { requireTokenizer: false }): Promise<CliModel>;
export async function openCliModel(spec: string | undefined, options: { requireTokenizer: boolean } = { requireTokenizer: true }): Promise<CliModel> {
  if (!spec) throw new InputError('--model is required', 'embedded, a folder, or a hub id such as facebook/opt-125m[@revision]');
  let lastShown = 0;
  const loaded = await loadModelFiles(modelFilesFor(spec), (p) => {
    const now = performance.now();
    if (now - lastShown < 1000 && p.done < p.total) return;
    lastShown = now;
    process.stderr.write(`download ${p.message}: ${(p.done / 2 ** 20).toFixed(1)} of ${(p.total / 2 ** 20).toFixed(1)} MiB\n`);
  }, options);
  for (const note of loaded.notes) process.stderr.write(`note: ${note}\n`);
  const weights = await loadOptWeights(loaded.config, loaded.weights);
  return { ...loaded, runtime: new CpuOptRuntime(await nodeTf(), loaded.config, weights) };
}
