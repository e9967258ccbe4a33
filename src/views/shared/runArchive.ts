import { createStore, del, entries, set, clear, type UseStore } from 'idb-keyval';

/**
 * Finished runs of one module, kept in IndexedDB so a reload keeps them. Each module has its own object
 * store (database `paperlab-runs-<module>`). Runs must be structured-cloneable (plain objects, typed
 * arrays). Storage failures (quota, private mode) are reported to the caller's `onError`, never thrown:
 * the run stays on screen even when it could not be saved.
 */
export class RunArchive<Run> {
  private readonly store: UseStore;

  constructor(
    module: string,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.store = createStore(`paperlab-runs-${module}`, 'runs');
  }

  /** All saved runs, oldest first (ids are time-ordered, see `newRunId`). */
  async load(): Promise<{ id: string; run: Run }[]> {
    try {
      const all = await entries<string, Run>(this.store);
      return all.map(([id, run]) => ({ id, run })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    } catch (error) {
      this.onError(error);
      return [];
    }
  }

  async save(id: string, run: Run): Promise<void> {
    try {
      await set(id, run, this.store);
    } catch (error) {
      this.onError(error);
    }
  }

  async delete(id: string): Promise<void> {
    try {
      await del(id, this.store);
    } catch (error) {
      this.onError(error);
    }
  }

  async clear(): Promise<void> {
    try {
      await clear(this.store);
    } catch (error) {
      this.onError(error);
    }
  }
}

/** A time-ordered id: sorting ids as strings sorts runs by when they finished. */
export function newRunId(now: number = Date.now()): string {
  return `${now.toString(36).padStart(10, '0')}-${Math.random().toString(36).slice(2, 8)}`;
}
