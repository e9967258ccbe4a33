import type { GeneratedSample } from './selfGenerate.ts';
import { sha256Hex } from './fingerprint.ts';
import type { SelfGenSettings, TextSource } from './settings.ts';

/**
 * Generated and scored samples by (model, backend, pool, generation settings, seed), so a study that
 * reruns a source with the same seed — or changes only the windows or the dropped share — does not
 * generate again. Browser: IndexedDB (idbCache.ts); Node: JSON files (nodeCache.ts).
 */
export interface SampleCache {
  get(key: string): Promise<GeneratedSample[] | undefined>;
  put(key: string, samples: readonly GeneratedSample[]): Promise<void>;
}

export class MemorySampleCache implements SampleCache {
  private readonly entries = new Map<string, GeneratedSample[]>();

  async get(key: string): Promise<GeneratedSample[] | undefined> {
    return this.entries.get(key);
  }

  async put(key: string, samples: readonly GeneratedSample[]): Promise<void> {
    this.entries.set(key, samples.slice());
  }
}

export interface SampleKeyParts {
  model: string;
  backend: string;
  pool: TextSource;
  settings: SelfGenSettings;
  seed: number;
}

/** Everything that changes the samples; not the batch size, the dropped share or the windows. */
export async function sampleCacheKey(parts: SampleKeyParts): Promise<string> {
  const { nPrompts, promptTokens, genLength, sampling } = parts.settings;
  const pool = parts.pool.kind === 'text' ? { kind: 'text', sha256: await sha256Hex(parts.pool.text) } : { kind: parts.pool.kind };
  const content = {
    // 2: `<unk>` masked unless allowed (version 1 samples were drawn with it).
    version: 2,
    model: parts.model,
    backend: parts.backend,
    pool,
    nPrompts,
    promptTokens,
    genLength,
    sampling: [sampling.temperature, sampling.topK, sampling.topP, sampling.repetitionPenalty],
    allowUnk: parts.settings.allowUnk ?? false,
    seed: parts.seed,
  };
  return `selfgen-${(await sha256Hex(JSON.stringify(content))).slice(0, 40)}`;
}
