import { checkNtkConfig, type NtkConfig, type NtkResult } from '../../lib/ntk/experiment.ts';
import { PRESETS, configFromParams, paramsFromConfig, type PresetName } from '../../lib/ntk/pageSettings.ts';
import type { Progress } from '../../lib/progress.ts';
import { WorkerHandle, type RunningJob } from '../../workers/client.ts';
import type { NtkApi } from '../../workers/ntk.worker.ts';
import type { Router } from '../router.svelte.ts';
import { backendOverride } from '../shared/computeInfo.svelte.ts';
import { RunArchive, newRunId } from '../shared/runArchive.ts';

/** A finished run as kept in IndexedDB. */
export interface NtkRun {
  id: string;
  config: NtkConfig;
  result: NtkResult;
}

/**
 * The NTK lab's module store: settings (kept in the URL), the running job and the last result.
 * Created once for the app (states.get), so leaving the page keeps a running job and its result.
 */
export class NtkState {
  config = $state.raw<NtkConfig>(PRESETS.default.config);
  progress = $state.raw<Progress | undefined>(undefined);
  error = $state.raw<unknown>(undefined);
  result = $state.raw<NtkResult | undefined>(undefined);
  running = $state(false);
  /** Finished runs (IndexedDB), oldest first; `result` is the one on screen. */
  runs = $state.raw<NtkRun[]>([]);
  private readonly archive = new RunArchive<NtkRun>('ntk', (error) => (this.error = error));
  private job: RunningJob<NtkResult> | undefined;
  private readonly worker = new WorkerHandle<NtkApi>(
    () => new Worker(new URL('../../workers/ntk.worker.ts', import.meta.url), { type: 'module', name: 'ntk' }),
  );

  constructor(private readonly router: Router) {
    try {
      if (router.params.size > 0) this.config = configFromParams(router.params);
    } catch (error) {
      this.error = error; // keep the defaults; the banner names the bad link setting
    }
    void this.archive.load().then((saved) => (this.runs = saved.map(({ run }) => run)));
  }

  get busy(): boolean {
    return this.running;
  }

  apply(config: NtkConfig): void {
    try {
      this.config = checkNtkConfig(config);
      this.router.setParams(paramsFromConfig(this.config));
    } catch (error) {
      this.error = error;
    }
  }

  preset(name: PresetName): void {
    this.apply(PRESETS[name].config);
  }

  async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.error = undefined;
    this.progress = undefined;
    const config = $state.snapshot(this.config) as NtkConfig;
    const job = this.worker.run((api, port) => api.run(config, backendOverride(), port), (progress) => (this.progress = progress));
    this.job = job;
    try {
      const result = await job.result;
      this.result = result;
      const run: NtkRun = { id: newRunId(), config, result };
      this.runs = [...this.runs, run];
      void this.archive.save(run.id, run);
    } catch (error) {
      if (!(error instanceof Error && error.name === 'Cancelled')) this.error = error;
    } finally {
      this.running = false;
      this.progress = undefined;
      this.job = undefined;
    }
  }

  show(run: NtkRun): void {
    this.result = run.result;
    this.apply(run.config);
  }

  forget(run: NtkRun): void {
    this.runs = this.runs.filter((r) => r.id !== run.id);
    if (this.result === run.result) this.result = undefined;
    void this.archive.delete(run.id);
  }

  cancel(): void {
    this.job?.cancel();
  }
}
