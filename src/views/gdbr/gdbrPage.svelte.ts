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
import { downloadBlob } from '../shared/files.ts';

/**
 * State of the label-leakage page: settings (kept in the URL), the running job, the last run and the
 * last sweep, and what the charts show. The components only lay this out.
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
  }

  apply(settings: GdbrPageSettings): void {
    this.settings = settings;
    this.router.setParams(paramsFromSettings(settings));
  }

  run(): void {
    const config = $state.snapshot(this.settings.config);
    void this.start('run', (api, port) => api.run(config, this.datasetUrl, this.backendOverride, port), (result) => {
      this.result = result as GdbrResult;
      this.selectedTrial = 0;
      if (!config.attacks.includes(this.selectedAttack)) this.selectedAttack = config.attacks.at(-1)!;
    });
  }

  runSweep(): void {
    const { config, sweepAxis, sweepValues } = $state.snapshot(this.settings);
    void this.start('sweep', (api, port) => api.sweep(config, sweepAxis, sweepValues, this.datasetUrl, this.backendOverride, port), (sweep) => {
      this.sweep = sweep as SweepResult;
    });
  }

  cancel(): void {
    this.job?.cancel();
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
      this.progress = undefined;
      this.job = undefined;
    }
  }
}
