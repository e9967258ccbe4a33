import type { Progress } from '../../lib/progress.ts';
import type { EpochMetrics, StepMetrics } from '../../lib/train/trainer.ts';
import type { RunningJob } from '../../workers/client.ts';
import type { Point } from '../shared/chart.ts';

/**
 * Runs of a training page, one at a time in the page's training worker: queued runs wait, the
 * active one streams its step losses and epoch metrics into its record, and pause/resume/cancel act
 * on it. Cancel stops the active run and drops the queue; finished runs stay for the charts.
 */
export type RunStatus = 'queued' | 'running' | 'paused' | 'done' | 'cancelled' | 'failed';

export interface TrainingRun<Config, Result> {
  id: number;
  name: string;
  config: Config;
  status: RunStatus;
  /** Training loss by step. */
  losses: Point[];
  epochs: EpochMetrics[];
  result?: Result;
  error?: unknown;
}

export interface RunStream {
  steps(steps: Pick<StepMetrics, 'step' | 'loss'>[]): void;
  epoch(epoch: EpochMetrics): void;
}

/** Starts one run in the worker; returns the job and its id (for pause). */
export type StartRun<Config, Result> = (config: Config, stream: RunStream, onProgress: (progress: Progress) => void) => RunningJob<Result>;

export class TrainingQueue<Config, Result> {
  runs = $state.raw<TrainingRun<Config, Result>[]>([]);
  progress = $state.raw<Progress | undefined>(undefined);
  error = $state.raw<unknown>(undefined);
  private nextId = 1;
  private active: { id: number; job: RunningJob<Result> } | undefined;

  constructor(
    private readonly start: StartRun<Config, Result>,
    private readonly setPaused: (jobId: number, paused: boolean) => Promise<void>,
  ) {}

  get running(): boolean {
    return this.runs.some((run) => run.status === 'running' || run.status === 'paused' || run.status === 'queued');
  }

  get paused(): boolean {
    return this.runs.some((run) => run.status === 'paused');
  }

  enqueue(name: string, config: Config): void {
    this.runs = [...this.runs, { id: this.nextId++, name, config, status: 'queued', losses: [], epochs: [] }];
    if (!this.active) void this.drain();
  }

  async togglePause(): Promise<void> {
    const active = this.active;
    if (!active) return;
    const pausing = !this.paused;
    this.update(active.id, { status: pausing ? 'paused' : 'running' });
    await this.setPaused(active.job.jobId, pausing);
  }

  cancel(): void {
    this.runs = this.runs.map((run) => (run.status === 'queued' ? { ...run, status: 'cancelled' } : run));
    this.active?.job.cancel();
  }

  /** Forgets finished runs (the active and queued ones stay). */
  clearFinished(): void {
    this.runs = this.runs.filter((run) => run.status === 'running' || run.status === 'paused' || run.status === 'queued');
  }

  private async drain(): Promise<void> {
    this.error = undefined;
    for (let next = this.nextQueued(); next; next = this.nextQueued()) {
      const id = next.id;
      this.update(id, { status: 'running' });
      const stream: RunStream = {
        steps: (steps) => this.update(id, (run) => ({ losses: [...run.losses, ...steps.map((s) => ({ x: s.step, y: s.loss }))] })),
        epoch: (epoch) => this.update(id, (run) => ({ epochs: [...run.epochs, epoch] })),
      };
      const job = this.start(next.config, stream, (progress) => (this.progress = { ...progress, message: `${next!.name}${progress.message ? ` · ${progress.message}` : ''}` }));
      this.active = { id, job };
      try {
        const result = await job.result;
        this.update(id, { status: 'done', result });
      } catch (error) {
        const cancelled = error instanceof Error && error.name === 'Cancelled';
        this.update(id, { status: cancelled ? 'cancelled' : 'failed', error: cancelled ? undefined : error });
        if (!cancelled) this.error = error;
      } finally {
        this.active = undefined;
      }
    }
    this.progress = undefined;
  }

  private nextQueued(): TrainingRun<Config, Result> | undefined {
    return this.runs.find((run) => run.status === 'queued');
  }

  private update(id: number, change: Partial<TrainingRun<Config, Result>> | ((run: TrainingRun<Config, Result>) => Partial<TrainingRun<Config, Result>>)): void {
    this.runs = this.runs.map((run) => (run.id === id ? { ...run, ...(typeof change === 'function' ? change(run) : change) } : run));
  }
}
