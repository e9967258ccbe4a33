import type { CaptionResult } from '../../lib/caption/experiment.ts';
import { PRESETS, checkPageConfig, configFromParams, paramsFromConfig, type CaptionPageConfig, type PresetName } from '../../lib/caption/pageSettings.ts';
import type { Progress } from '../../lib/progress.ts';
import { WorkerHandle, type RunningJob } from '../../workers/client.ts';
import type { CaptionApi, ImportFile, ImportSummary } from '../../workers/caption.worker.ts';
import type { Router } from '../router.svelte.ts';
import { backendOverride } from '../shared/computeInfo.svelte.ts';
import type { PickedFile } from '../shared/files.ts';
import { RunArchive, newRunId } from '../shared/runArchive.ts';

/** A finished job as kept in IndexedDB: its settings and one result per run. */
export interface CaptionJob {
  id: string;
  config: CaptionPageConfig;
  runs: CaptionResult[];
  compute: string;
  source: string;
}

/**
 * The captioning lab's module store: settings (kept in the URL), an optional imported data set, the running
 * job and the finished jobs. Created once for the app (states.get), so leaving the page keeps them.
 */
export class CaptionState {
  config = $state.raw<CaptionPageConfig>(PRESETS.default.config);
  progress = $state.raw<Progress | undefined>(undefined);
  error = $state.raw<unknown>(undefined);
  current = $state.raw<CaptionJob | undefined>(undefined);
  running = $state(false);
  jobs = $state.raw<CaptionJob[]>([]);
  imported = $state.raw<{ files: ImportFile[]; summary: ImportSummary } | undefined>(undefined);
  private readonly archive = new RunArchive<CaptionJob>('video-captioning', (error) => (this.error = error));
  private job: RunningJob<{ runs: CaptionResult[]; compute: string }> | undefined;
  private readonly worker = new WorkerHandle<CaptionApi>(
    () => new Worker(new URL('../../workers/caption.worker.ts', import.meta.url), { type: 'module', name: 'caption' }),
  );

  constructor(private readonly router: Router) {
    try {
      if (router.params.size > 0) this.config = configFromParams(router.params);
    } catch (error) {
      this.error = error;
    }
    void this.archive.load().then((saved) => {
      this.jobs = saved.map(({ run }) => run);
      this.current ??= this.jobs[this.jobs.length - 1];
    });
  }

  get busy(): boolean {
    return this.running;
  }

  apply(config: CaptionPageConfig): void {
    try {
      this.config = checkPageConfig(config);
      this.router.setParams(paramsFromConfig(this.config));
    } catch (error) {
      this.error = error;
    }
  }

  preset(name: PresetName): void {
    this.apply(PRESETS[name].config);
  }

  async importFiles(picked: PickedFile[]): Promise<void> {
    this.error = undefined;
    try {
      const files = await Promise.all(picked.map(async ({ path, file }) => ({ name: path, bytes: await file.arrayBuffer() })));
      const summary = await this.worker.api.checkImport(files);
      this.imported = { files, summary };
    } catch (error) {
      this.error = error;
    }
  }

  clearImport(): void {
    this.imported = undefined;
  }

  async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.error = undefined;
    this.progress = undefined;
    const config = $state.snapshot(this.config) as CaptionPageConfig;
    const files = this.imported?.files ?? null;
    const source = this.imported ? `imported (${this.imported.summary.videos} videos)` : 'procedural world';
    const job = this.worker.run((api, port) => api.run(config, files, backendOverride(), port), (progress) => (this.progress = progress));
    this.job = job;
    try {
      const { runs, compute } = await job.result;
      const finished: CaptionJob = { id: newRunId(), config, runs, compute, source };
      this.current = finished;
      this.jobs = [...this.jobs, finished];
      void this.archive.save(finished.id, finished);
    } catch (error) {
      if (!(error instanceof Error && error.name === 'Cancelled')) this.error = error;
    } finally {
      this.running = false;
      this.progress = undefined;
      this.job = undefined;
    }
  }

  show(job: CaptionJob): void {
    this.current = job;
    this.apply(job.config);
  }

  forget(job: CaptionJob): void {
    this.jobs = this.jobs.filter((j) => j.id !== job.id);
    if (this.current === job) this.current = undefined;
    void this.archive.delete(job.id);
  }

  cancel(): void {
    this.job?.cancel();
  }
}
