import type { Progress } from '../../lib/progress.ts';
import type { PruningState } from './pruningState.svelte.ts';
import { DEFAULT_SWEEP, runSweep, sweepPlan, sweepProgress, type SweepSettings, type SweepStatus } from './sweepQueue.ts';

/**
 * The sweep on the pruning page: its settings, and the queue of prune runs it is working through.
 * Each run goes through the page's own prune job (same settings as the form, but the sweep's method
 * and sparsity), so finished runs join the runs table and the perplexity-vs-sparsity chart one by one.
 * Dense perplexity and calibration text are computed once by the worker and reused by every run.
 */
export class PruneSweepState {
  settings = $state<SweepSettings>({ ...DEFAULT_SWEEP, methods: [...DEFAULT_SWEEP.methods] });
  status = $state.raw<SweepStatus | undefined>(undefined);
  running = $state(false);
  error = $state<unknown>(undefined);
  private cancelRequested = false;
  private startedMs = 0;

  constructor(private readonly pruning: PruningState) {}

  /** Runs in the plan with the current settings (0 when they are invalid). */
  get plannedRuns(): number {
    try {
      return sweepPlan(this.settings).length;
    } catch {
      return 0;
    }
  }

  /** The whole sweep as one progress bar: runs finished plus the share of the run in flight. */
  get progress(): Progress | undefined {
    if (!this.running || !this.status) return undefined;
    return sweepProgress(this.status, this.pruning.job.progress, (performance.now() - this.startedMs) / 1000);
  }

  async run(): Promise<void> {
    if (this.running) return;
    this.error = undefined;
    let plan;
    try {
      plan = sweepPlan(this.settings);
    } catch (error) {
      this.error = error;
      return;
    }
    this.running = true;
    this.cancelRequested = false;
    this.startedMs = performance.now();
    try {
      this.status = await runSweep(plan, {
        runOne: (item) => this.pruning.runRequest(this.pruning.request(item)),
        cancelled: () => this.cancelRequested,
        onStatus: (status) => (this.status = status),
      });
    } finally {
      this.running = false;
    }
  }

  /** Stops the run in flight and the rest of the queue. */
  cancel(): void {
    this.cancelRequested = true;
    this.pruning.cancel();
  }
}
