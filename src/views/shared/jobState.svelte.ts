import { isCancelled } from '../../lib/errors.ts';
import type { Progress } from '../../lib/progress.ts';
import type { RunningJob } from '../../workers/client.ts';

/**
 * One kind of job (evaluate, generate, optimise …): running flag, progress, last result,
 * error, and cancel. A new run replaces the result only when it finishes, so a cancelled or failed
 * run leaves the previous result on screen.
 */
export class JobState<R> {
  running = $state(false);
  progress = $state.raw<Progress | undefined>(undefined);
  result = $state.raw<R | undefined>(undefined);
  error = $state<unknown>(undefined);
  /** A cancel was asked for and the job has not stopped yet. */
  cancelling = $state(false);
  /** The last run ended because it was cancelled (the page says so). */
  cancelled = $state(false);
  private job: RunningJob<R> | undefined;

  async run(start: (onProgress: (p: Progress) => void) => RunningJob<R>): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.cancelling = false;
    this.cancelled = false;
    this.error = undefined;
    this.progress = undefined;
    this.job = start((p) => (this.progress = p));
    try {
      this.result = await this.job.result;
    } catch (error) {
      this.error = error;
      this.cancelled = isCancelled(error);
    } finally {
      this.running = false;
      this.cancelling = false;
      this.progress = undefined;
      this.job = undefined;
    }
  }

  /** `graceMs`: how long the worker may take to stop before it is terminated (WorkerHandle's default: 2 s). */
  cancel(graceMs?: number): void {
    if (!this.job) return;
    this.cancelling = true;
    this.job.cancel(graceMs);
  }
}
