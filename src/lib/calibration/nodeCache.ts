import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SampleCache } from './cache.ts';
import type { GeneratedSample } from './selfGenerate.ts';

/** Node only (CLI, scripts): generated samples as JSON files in a folder, one per key. */
export class FileSampleCache implements SampleCache {
  constructor(private readonly folder: string) {}

  private file(key: string): string {
    return path.join(this.folder, `${key}.json`);
  }

  async get(key: string): Promise<GeneratedSample[] | undefined> {
    try {
      const stored = JSON.parse(await readFile(this.file(key), 'utf8')) as { key?: string; samples?: GeneratedSample[] };
      return stored.key === key && Array.isArray(stored.samples) ? stored.samples : undefined;
    } catch {
      return undefined;
    }
  }

  async put(key: string, samples: readonly GeneratedSample[]): Promise<void> {
    await mkdir(this.folder, { recursive: true });
    const file = this.file(key);
    // Written whole, then renamed: an interrupted run never leaves half a file under the key.
    await writeFile(`${file}.partial`, JSON.stringify({ key, samples }));
    await rename(`${file}.partial`, file);
  }
}
