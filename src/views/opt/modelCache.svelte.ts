import { MODEL_CACHE_NAME } from '../../lib/opt/sources/byteCache.ts';

/** The browser's storage use (models cached by the Cache API) and a way to clear the model cache. */
export class ModelCacheState {
  usageBytes = $state<number | undefined>(undefined);
  quotaBytes = $state<number | undefined>(undefined);
  clearing = $state(false);

  async refresh(): Promise<void> {
    const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
    this.usageBytes = estimate?.usage;
    this.quotaBytes = estimate?.quota;
  }

  async clear(): Promise<void> {
    this.clearing = true;
    try {
      await globalThis.caches?.delete(MODEL_CACHE_NAME);
      await this.refresh();
    } finally {
      this.clearing = false;
    }
  }
}
