import type { AttackName } from '../../lib/gdbr/attacks/index.ts';
import { trialsCsv, sweepCsv } from '../../lib/gdbr/csv.ts';
import type { GdbrResult } from '../../lib/gdbr/experiment.ts';
import type { RecoveryMetrics } from '../../lib/gdbr/metrics.ts';
import { GDBR_PAGE_DEFAULTS, paramsFromSettings, settingsFromParams, type GdbrPageSettings } from '../../lib/gdbr/pageSettings.ts';
import type { SweepResult } from '../../lib/gdbr/sweep.ts';
import type { Progress } from '../../lib/progress.ts';
import { WorkerHandle, type RunningJob } from '../../workers/client.ts';
import type { GdbrApi, GdbrBackendInfo } from '../../workers/gdbr.worker.ts';
import type { Router } from '../router.svelte.ts';
import { ArchivedRuns } from '../shared/archivedRuns.svelte.ts';
import { downloadBlob } from '../shared/files.ts';

/** A finished attack run or sweep as saved in IndexedDB. */
export type SavedGdbr = { kind: 'run'; result: GdbrResult } | { kind: 'sweep'; sweep: SweepResult };

/**
 * State of the label-leakage page: settings (kept in the URL), the running job, the last run and the
 * last sweep, and what the charts show. The components only lay this out. One instance lives for the
 * app (ModuleStates); finished runs and sweeps are saved in IndexedDB and the latest come back on reload.
 */
export class GdbrPageState {
  settings = $state.raw<GdbrPageSettings>(GDBR_PAGE_DEFAULTS);
  backend = $state.raw<GdbrBackendInfo | undefined>(undefined);
  running = $state<'run' | 'sweep' | undefined>(undefined);
  progress = $state.raw<Progress | undefined>(undefined);
  error = $state.raw<unknown>(undefined);
  result = $state.raw<GdbrResult | undefined>(undefined);
  sweep = $state.raw<SweepResult | undefined>(undefined);
  selectedTrial = $state(0);
  selectedAttack = $state<AttackName>('gdbr');
  sweepMetric = $state<keyof RecoveryMetrics>('instanceRecovery');
  readonly archive = new ArchivedRuns<SavedGdbr>('gradient-labels');
  /** Saved ids of the run and the sweep on screen. */
  shown = $state<{ run?: string; sweep?: string }>({});
  /** A cancel was asked for and the job has not stopped yet. */
  cancelling = $state(false);
  private job: RunningJob<unknown> | undefined;
  private readonly worker = new WorkerHandle<GdbrApi>(
    () => new Worker(new URL('../../workers/gdbr.worker.ts', import.meta.url), { type: 'module', name: 'gdbr' }),
  );
  private readonly datasetUrl = new URL('datasets/mnist/', document.baseURI).href;

  constructor(
    private readonly router: Router,
    private readonly backendOverride: string | null,
  ) {
    try {
      this.settings = settingsFromParams(router.params);
    } catch (error) {
      this.error = error; // keep the defaults; the banner says which link setting was wrong
    }
    this.worker.api.backend(backendOverride).then((info) => (this.backend = info)).catch((error: unknown) => (this.error = error));
    void this.archive.ready.then(() => {
      const items = this.archive.items;
      const lastRun = items.findLast((item) => item.run.kind === 'run');
      const lastSweep = items.findLast((item) => item.run.kind === 'sweep');
      if (lastRun && !this.result) this.show(lastRun.id);
      if (lastSweep && !this.sweep) this.show(lastSweep.id);
    });
  }

  /** A job runs in the worker (the tab asks before closing). */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Shows a saved run or sweep again. */
  show(id: string): void {
    const saved = this.archive.items.find((item) => item.id === id)?.run;
    if (!saved) return;
    if (saved.kind === 'run') {
      this.result = saved.result;
      this.selectedTrial = 0;
      if (!saved.result.config.attacks.includes(this.selectedAttack)) this.selectedAttack = saved.result.config.attacks.at(-1)!;
      this.shown = { ...this.shown, run: id };
    } else {
      this.sweep = saved.sweep;
      this.shown = { ...this.shown, sweep: id };
    }
  }

  /** A saved item was deleted (no id: all were): stop showing it. */
  forget(id?: string): void {
    if (id === undefined || this.shown.run === id) {
      this.result = undefined;
      this.shown = { ...this.shown, run: undefined };
    }
    if (id === undefined || this.shown.sweep === id) {
      this.sweep = undefined;
      this.shown = { ...this.shown, sweep: undefined };
    }
  }

  apply(settings: GdbrPageSettings): void {
    this.settings = settings;
    this.router.setParams(paramsFromSettings(settings));
  }

  run(): void {
    const config = $state.snapshot(this.settings.config);
    void this.start('run', (api, port) => api.run(config, this.datasetUrl, this.backendOverride, port), (result) => {
      this.result = result as GdbrResult;
      this.shown = { ...this.shown, run: this.archive.add({ kind: 'run', result: this.result }) };
      this.selectedTrial = 0;
      if (!config.attacks.includes(this.selectedAttack)) this.selectedAttack = config.attacks.at(-1)!;
    });
  }

  runSweep(): void {
    const { config, sweepAxis, sweepValues } = $state.snapshot(this.settings);
    void this.start('sweep', (api, port) => api.sweep(config, sweepAxis, sweepValues, this.datasetUrl, this.backendOverride, port), (sweep) => {
      this.sweep = sweep as SweepResult;
      this.shown = { ...this.shown, sweep: this.archive.add({ kind: 'sweep', sweep: this.sweep }) };
    });
  }

  cancel(): void {
    if (!this.job) return;
    this.cancelling = true;
    this.job.cancel();
  }

  downloadTrials(): void {
    if (this.result) downloadBlob(trialsCsv(this.result), `gradient-labels-trials-B${this.result.config.batchSize}.csv`, 'text/csv');
  }

  downloadSweep(): void {
    if (this.sweep) downloadBlob(sweepCsv(this.sweep), `gradient-labels-sweep-${this.sweep.axis}.csv`, 'text/csv');
  }

  private async start(
    kind: 'run' | 'sweep',
    call: Parameters<WorkerHandle<GdbrApi>['run']>[0],
    done: (value: unknown) => void,
  ): Promise<void> {
    if (this.running) return;
    this.running = kind;
    this.error = undefined;
    this.progress = undefined;
    const job = this.worker.run(call, (progress) => (this.progress = progress));
    this.job = job;
    try {
      done(await job.result);
    } catch (error) {
      this.error = error;
    } finally {
      this.running = undefined;
      this.cancelling = false;
      this.progress = undefined;
      this.job = undefined;
    }
  }
}
