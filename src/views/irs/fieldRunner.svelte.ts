import type { BackendChoice } from '../../lib/backend.ts';
import type { Progress } from '../../lib/progress.ts';
import type { RunningJob, WorkerHandle } from '../../workers/client.ts';
import type { FieldRequest, FieldResult, IrsApi } from '../../workers/irs.worker.ts';

/**
 * Heatmap requests, coalesced: while one runs, a newer request replaces the waiting one, so a drag sends
 * the latest position as soon as the worker is free instead of queueing every intermediate frame.
 */
export class FieldRunner {
  result = $state.raw<FieldResult | undefined>(undefined);
  error = $state.raw<unknown>(undefined);
  /** Shown only for jobs that take a while (a big grid on the CPU). */
  progress = $state.raw<Progress | undefined>(undefined);
  running = $state(false);
  backend = $state.raw<BackendChoice | undefined>(undefined);
  private waiting: FieldRequest | undefined;
  private job: RunningJob<FieldResult> | undefined;

  /** `onready` runs once the backend is open (a GPU may take seconds; the CPU path serves until then). */
  constructor(
    private readonly worker: WorkerHandle<IrsApi>,
    override: string | null,
    onready: () => void,
  ) {
    this.worker.api
      .open(override)
      .then((choice) => {
        this.backend = choice;
        onready();
      })
      .catch((error: unknown) => (this.error = error));
  }

  request(request: FieldRequest): void {
    this.waiting = request;
    if (!this.job) void this.drain();
  }

  cancel(): void {
    this.waiting = undefined;
    this.job?.cancel();
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.waiting) {
      const request = this.waiting;
      this.waiting = undefined;
      const slow = setTimeout(() => (this.showProgress = true), 400);
      this.job = this.worker.run((api, port) => api.field(request, port), (progress) => {
        if (this.showProgress) this.progress = progress;
      });
      try {
        this.result = await this.job.result;
        this.error = undefined;
      } catch (error) {
        this.error = error;
      } finally {
        clearTimeout(slow);
        this.showProgress = false;
        this.progress = undefined;
        this.job = undefined;
      }
    }
    this.running = false;
  }

  private showProgress = false;
}
