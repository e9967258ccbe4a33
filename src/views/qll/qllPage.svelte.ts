import * as Comlink from 'comlink';
import type { QllConfig } from '../../lib/qll/config.ts';
import type { QllResult } from '../../lib/qll/experiment.ts';
import { describeLambda } from '../../lib/qll/mixing.ts';
import { QLL_VARIANTS, paramsFromSettings, settingsFromParams, variantConfig, type QllPageSettings, type QllVariantName } from '../../lib/qll/variants.ts';
import { QLL_PAGE_DEFAULTS } from '../../lib/qll/variants.ts';
import { encodeSafetensors } from '../../lib/train/safetensors.ts';
import { WorkerHandle } from '../../workers/client.ts';
import type { MixingExamples, TrainApi, TrainBackendInfo } from '../../workers/train.worker.ts';
import type { Router } from '../router.svelte.ts';
import { ArchivedRuns } from '../shared/archivedRuns.svelte.ts';
import { downloadBlob } from '../shared/files.ts';
import { TrainingQueue, type TrainingRun } from '../train/trainingQueue.svelte.ts';

/** A finished QLL run as the page keeps it. */
export type QllRunResult = QllResult & { backendLabel: string };
export type QllRun = TrainingRun<QllConfig & { variant: QllVariantName }, QllRunResult>;

const EXAMPLE_COUNT = 12;

/**
 * State of the QLL page: settings (kept in the URL), the mixer's examples, and the queue of runs in
 * the training worker. The page component only lays this out. One instance lives for the app
 * (ModuleStates): a comparison keeps training while the page is closed. Finished runs are saved in
 * IndexedDB and come back after a reload.
 */
export class QllPageState {
  settings = $state.raw<QllPageSettings>(QLL_PAGE_DEFAULTS);
  settingsError = $state.raw<unknown>(undefined);
  backend = $state.raw<TrainBackendInfo | undefined>(undefined);
  examples = $state.raw<MixingExamples | undefined>(undefined);
  examplesError = $state.raw<unknown>(undefined);
  selectedRunId = $state<number | undefined>(undefined);
  readonly queue: TrainingQueue<QllConfig & { variant: QllVariantName }, QllRunResult>;
  readonly archive = new ArchivedRuns<QllRun>('qll');
  private readonly worker = new WorkerHandle<TrainApi>(
    () => new Worker(new URL('../../workers/train.worker.ts', import.meta.url), { type: 'module', name: 'train' }),
  );
  private readonly datasetUrl = new URL('datasets/mnist/', document.baseURI).href;

  constructor(
    private readonly router: Router,
    private readonly backendOverride: string | null,
  ) {
    try {
      this.settings = settingsFromParams(router.params);
    } catch (error) {
      this.settingsError = error; // keep the defaults; the banner says which link setting was wrong
    }
    this.queue = new TrainingQueue(
      (config, stream, onProgress) => {
        return this.worker.run(
          (api, port) => api.runQll(config, this.datasetUrl, this.backendOverride, Comlink.proxy(stream), port),
          onProgress,
        );
      },
      (jobId, paused) => this.worker.api.pauseJob(jobId, paused),
      (run) => this.archive.add({ ...run, error: undefined }),
    );
    void this.archive.ready.then(() => this.queue.restore(this.archive.items.filter((item) => item.restored).map((item) => item.run)));
    this.worker.api.backend(backendOverride).then((info) => (this.backend = info)).catch((error: unknown) => (this.settingsError = error));
    void this.refreshExamples();
  }

  /** Runs are training (the tab asks before closing). */
  get busy(): boolean {
    return this.queue.running;
  }

  /** A saved run was deleted (no id: all were): take it off the charts and tables too. */
  forget(archivedId?: string): void {
    if (archivedId === undefined) {
      this.queue.clearFinished();
      return;
    }
    const kept = new Set(this.archive.runs);
    for (const run of this.queue.runs) if (run.result && !kept.has(run) && !this.isArchivedCopy(run, kept)) this.queue.remove(run.id);
  }

  /** Forgets the finished runs on screen and in the archive. */
  clearFinished(): void {
    this.queue.clearFinished();
    this.archive.clear();
  }

  private isArchivedCopy(run: QllRun, kept: Set<QllRun>): boolean {
    for (const saved of kept) if (saved.id === run.id && saved.name === run.name) return true;
    return false;
  }

  get selectedRun(): QllRun | undefined {
    const done = this.queue.runs.filter((run) => run.result);
    return done.find((run) => run.id === this.selectedRunId) ?? done.at(-1);
  }

  apply(settings: QllPageSettings): void {
    this.settings = settings;
    this.settingsError = undefined;
    this.router.setParams(paramsFromSettings(settings));
    void this.refreshExamples();
  }

  /** Queues one run per chosen method with the current settings. */
  runComparison(): void {
    const { shared, variants } = this.settings;
    for (const variant of variants) {
      const name = `${QLL_VARIANTS[variant].label} · mix ${shared.mixFraction} · seed ${shared.seed}`;
      this.queue.enqueue(name, { ...variantConfig(shared, variant), variant });
    }
  }

  downloadWeights(run: QllRun): void {
    if (!run.result?.weights) return;
    const { config } = run;
    const bytes = encodeSafetensors(run.result.weights, {
      method: config.method,
      mixFraction: String(config.mixFraction),
      lambda: describeLambda(config.lambda),
      seed: String(config.seed),
      model: JSON.stringify(config.model),
    });
    downloadBlob(new Blob([bytes as Uint8Array<ArrayBuffer>]), `qll-${config.variant}-mix${config.mixFraction}-seed${config.seed}.safetensors`, 'application/octet-stream');
  }

  private async refreshExamples(): Promise<void> {
    try {
      this.examples = await this.worker.api.examples(this.settings.shared, this.datasetUrl, EXAMPLE_COUNT);
      this.examplesError = undefined;
    } catch (error) {
      this.examplesError = error;
    }
  }
}
