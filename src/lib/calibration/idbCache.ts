import { createStore, get, set, type UseStore } from 'idb-keyval';
import type { SampleCache } from './cache.ts';
import type { GeneratedSample } from './selfGenerate.ts';

/**
 * Browser (page or worker): generated samples in IndexedDB, in a store of their own. Storage errors
 * (quota, private mode) only cost a regeneration next time, so they are swallowed.
 */
export class IdbSampleCache implements SampleCache {
  private readonly store: UseStore;

  constructor() {
    this.store = createStore('paperlab-calibration', 'selfgen-samples');
  }

  async get(key: string): Promise<GeneratedSample[] | undefined> {
    try {
      return await get<GeneratedSample[]>(key, this.store);
    } catch {
      return undefined;
    }
  }

  async put(key: string, samples: readonly GeneratedSample[]): Promise<void> {
    try {
      await set(key, samples, this.store);
    } catch {
      // Not cached: the next build of this set generates again.
    }
  }
}
