import type { BrainConfig, BrainResult } from '../../lib/brain/experiment.ts';
import type { NamedFile } from '../../lib/brain/importData.ts';
import { PRESETS, configFromParams, paramsFromConfig, resultCsv, type PresetName } from '../../lib/brain/pageSettings.ts';
import { checkBrainConfig } from '../../lib/brain/experiment.ts';
import type { Sheet } from '../../lib/brain/sheet.ts';
import type { Progress } from '../../lib/progress.ts';
import { WorkerHandle, type RunningJob } from '../../workers/client.ts';
import type { JobPort } from '../../workers/job.ts';
import type { BrainApi } from '../../workers/brain.worker.ts';
import type { Router } from '../router.svelte.ts';
import { backendOverride } from '../shared/computeInfo.svelte.ts';
import { downloadBlob } from '../shared/files.ts';
import { RunArchive, newRunId } from '../shared/runArchive.ts';

/** A finished run as kept in IndexedDB. */
export interface BrainRun {
  id: string;
  config: BrainConfig;
  source: string; // 'simulated (MNIST)' or the imported files
  result: BrainResult;
}

/**
 * The brain-decoding lab's module store: settings (kept in the URL), the running job and the results.
 * Created once for the app (states.get), so leaving the page keeps a running job and its result.
 */
export class BrainState {
  config = $state.raw<BrainConfig>(PRESETS.default.config);
  progress = $state.raw<Progress | undefined>(undefined);
  error = $state.raw<unknown>(undefined);
  result = $state.raw<BrainResult | undefined>(undefined);
  running = $state(false);
  runs = $state.raw<BrainRun[]>([]);
  private readonly archive = new RunArchive<BrainRun>('brain-decoding', (error) => (this.error = error));
  private job: RunningJob<BrainResult> | undefined;
  private readonly datasetUrl = new URL('datasets/mnist/', document.baseURI).href;
  private readonly worker = new WorkerHandle<BrainApi>(
    () => new Worker(new URL('../../workers/brain.worker.ts', import.meta.url), { type: 'module', name: 'brain' }),
  );

  constructor(private readonly router: Router) {
    try {
      if (router.params.size > 0) this.config = configFromParams(router.params);
    } catch (error) {
      this.error = error; // keep the defaults; the banner names the bad link setting
    }
    void this.archive.load().then((saved) => {
      this.runs = saved.map(({ run }) => run);
      this.result ??= this.runs.at(-1)?.result;
    });
  }

  get busy(): boolean {
    return this.running;
  }

  apply(config: BrainConfig): void {
    try {
      this.config = checkBrainConfig(config);
      this.router.setParams(paramsFromConfig(this.config));
    } catch (error) {
      this.error = error;
    }
  }

  preset(name: PresetName): void {
    this.apply(PRESETS[name].config);
  }

  run(): Promise<void> {
    const datasetUrl = this.datasetUrl;
    return this.start('simulated (MNIST)', (api, config, port) => api.run(config, datasetUrl, backendOverride(), port));
  }

  runImported(files: { features: NamedFile; subjects: NamedFile[]; sheet?: Sheet }): Promise<void> {
    const label = `${files.features.name} + ${files.subjects.length} subjects`;
    return this.start(label, (api, config, port) => api.runImported(config, files, backendOverride(), port));
  }

  private async start(source: string, call: (api: BrainApi, config: BrainConfig, port: JobPort) => Promise<BrainResult>): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.error = undefined;
    this.progress = undefined;
    const config = $state.snapshot(this.config) as BrainConfig;
    const job = this.worker.run((api, port) => call(api as unknown as BrainApi, config, port), (progress) => (this.progress = progress));
    this.job = job;
    try {
      const result = await job.result;
      this.result = result;
      const run: BrainRun = { id: newRunId(), config, source, result };
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

  show(run: BrainRun): void {
    this.result = run.result;
    this.apply(run.config);
  }

  forget(run: BrainRun): void {
    this.runs = this.runs.filter((r) => r.id !== run.id);
    if (this.result === run.result) this.result = undefined;
    void this.archive.delete(run.id);
  }

  cancel(): void {
    this.job?.cancel();
  }

  downloadCsv(): void {
    if (this.result) downloadBlob(resultCsv(this.result), 'brain-decoding.csv', 'text/csv');
  }
}
