/**
 * Where downloaded model files are kept between visits (DESIGN §3): the Cache API when the browser
 * has it, falling back to memory when it is missing or full (a quota error), so a big download still
 * works, just without surviving a reload. Only complete downloads that pass their file check are
 * stored (see fetchBytes' `validate`); a failed one leaves the files already finished in place.
 */
export interface ByteCache {
  readonly kind: 'cache-api' | 'memory';
  get(url: string): Promise<ArrayBuffer | undefined>;
  /** Whether `url` is stored, without reading it. */
  has(url: string): Promise<boolean>;
  put(url: string, bytes: ArrayBuffer): Promise<void>;
  /** Forgets `url` (a cached copy that failed its check). */
  delete(url: string): Promise<void>;
}

export const MODEL_CACHE_NAME = 'paperlab-models';

export class MemoryCache implements ByteCache {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, ArrayBuffer>();

  async get(url: string): Promise<ArrayBuffer | undefined> {
    return this.entries.get(url);
  }

  async has(url: string): Promise<boolean> {
    return this.entries.has(url);
  }

  async put(url: string, bytes: ArrayBuffer): Promise<void> {
    this.entries.set(url, bytes);
  }

  async delete(url: string): Promise<void> {
    this.entries.delete(url);
  }
}

/** Cache API storage with a memory fallback for entries the quota refuses. */
export class BrowserCache implements ByteCache {
  readonly kind = 'cache-api' as const;
  private readonly fallback = new MemoryCache();

  constructor(private readonly storage: CacheStorage) {}

  async get(url: string): Promise<ArrayBuffer | undefined> {
    const inMemory = await this.fallback.get(url);
    if (inMemory) return inMemory;
    const cache = await this.storage.open(MODEL_CACHE_NAME);
    const response = await cache.match(url);
    return response ? response.arrayBuffer() : undefined;
  }

  async has(url: string): Promise<boolean> {
    if (await this.fallback.has(url)) return true;
    const cache = await this.storage.open(MODEL_CACHE_NAME);
    return (await cache.match(url)) !== undefined;
  }

  async put(url: string, bytes: ArrayBuffer): Promise<void> {
    try {
      const cache = await this.storage.open(MODEL_CACHE_NAME);
      await cache.put(url, new Response(bytes, { headers: { 'Content-Length': String(bytes.byteLength) } }));
    } catch (error) {
      if (!isQuotaError(error)) throw error;
      await this.fallback.put(url, bytes);
    }
  }

  async delete(url: string): Promise<void> {
    await this.fallback.delete(url);
    await (await this.storage.open(MODEL_CACHE_NAME)).delete(url);
  }
}

export function isQuotaError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'QuotaExceededError' || /quota/i.test(error.message));
}

/** The Cache API where this context has one (pages and workers on a secure origin), else memory. */
export function defaultCache(): ByteCache {
  const storage = (globalThis as { caches?: CacheStorage }).caches;
  return storage ? new BrowserCache(storage) : new MemoryCache();
}
