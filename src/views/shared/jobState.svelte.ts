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
  private job: RunningJob<R> | undefined;

  async run(start: (onProgress: (p: Progress) => void) => RunningJob<R>): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.error = undefined;
    this.progress = undefined;
    this.job = start((p) => (this.progress = p));
    try {
      this.result = await this.job.result;
    } catch (error) {
      this.error = error;
    } finally {
      this.running = false;
      this.progress = undefined;
      this.job = undefined;
    }
  }

  /** `graceMs`: how long the worker may take to stop before it is terminated (WorkerHandle's default: 2 s). */
  cancel(graceMs?: number): void {
    this.job?.cancel(graceMs);
  }
}
