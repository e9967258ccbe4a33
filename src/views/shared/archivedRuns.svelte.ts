import { newRunId, RunArchive } from './runArchive.ts';

/**
 * A module's finished runs on screen and in IndexedDB: restored when the state is created, saved as they
 * finish, deleted one by one or all at once. `restored` marks runs from an earlier session (their
 * models or workers' copies are gone; their numbers are still there).
 *
 * Runs must be structured-cloneable: plain objects and typed arrays, no class instances or functions.
 */
export interface ArchivedRun<Run> {
  id: string;
  run: Run;
  restored: boolean;
}

export class ArchivedRuns<Run> {
  items = $state.raw<ArchivedRun<Run>[]>([]);
  /** A storage failure (quota, private mode): the runs stay on screen but may not survive a reload. */
  error = $state.raw<unknown>(undefined);
  /** Resolves once the saved runs are on screen. */
  readonly ready: Promise<void>;
  private readonly archive: RunArchive<Run>;

  constructor(module: string) {
    this.archive = new RunArchive<Run>(module, (error) => (this.error = error));
    this.ready = this.restore();
  }

  get runs(): Run[] {
    return this.items.map((item) => item.run);
  }

  get latest(): ArchivedRun<Run> | undefined {
    return this.items.at(-1);
  }

  /** Shows a finished run and saves it; returns its id. */
  add(run: Run): string {
    const id = newRunId();
    this.items = [...this.items, { id, run, restored: false }];
    void this.archive.save(id, run);
    return id;
  }

  remove(id: string): void {
    this.items = this.items.filter((item) => item.id !== id);
    void this.archive.delete(id);
  }

  clear(): void {
    this.items = [];
    void this.archive.clear();
  }

  private async restore(): Promise<void> {
    const saved = await this.archive.load();
    const onScreen = new Set(this.items.map((item) => item.id));
    const restored = saved.filter(({ id }) => !onScreen.has(id)).map(({ id, run }) => ({ id, run, restored: true }));
    this.items = [...restored, ...this.items];
  }
}
