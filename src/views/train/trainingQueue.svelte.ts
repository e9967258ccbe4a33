import { OverallProgress, type Progress } from '../../lib/progress.ts';
import type { EpochMetrics, StepMetrics } from '../../lib/train/trainer.ts';
import type { RunningJob } from '../../workers/client.ts';
import type { Point } from '../shared/chart.ts';

/**
 * Runs of a training page, one at a time in the page's training worker: queued runs wait, the
 * active one streams its step losses and epoch metrics into its record, and pause/resume/cancel act
 * on it. Cancel stops the active run and drops the queue; finished runs stay for the charts.
 * Progress is one bar over the runs queued together ("step 2 of 3: <run>"), with the time left for all.
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
  /** The runs of the current batch (queued while the queue was busy join it), for the overall bar. */
  private batch: { ids: number[]; overall: OverallProgress } | undefined;

  constructor(
    private readonly start: StartRun<Config, Result>,
    private readonly setPaused: (jobId: number, paused: boolean) => Promise<void>,
    /** Called once per run that finished with a result (to save it). */
    private readonly onFinished: (run: TrainingRun<Config, Result>) => void = () => {},
  ) {}

  /** Puts runs from an earlier session in front of this session's (their ids are kept; new ids follow them). */
  restore(runs: TrainingRun<Config, Result>[]): void {
    const mine = new Set(this.runs.map((run) => run.id));
    const offset = Math.max(0, ...runs.map((run) => run.id));
    // This session's runs so far are renumbered after the restored ones so ids stay unique.
    const renumbered = this.runs.map((run) => ({ ...run, id: run.id + offset }));
    if (this.active) this.active = { ...this.active, id: this.active.id + offset };
    if (this.batch) this.batch = { ...this.batch, ids: this.batch.ids.map((id) => id + offset) };
    this.runs = [...runs.filter((run) => !mine.has(run.id + offset)), ...renumbered];
    this.nextId = Math.max(this.nextId + offset, offset + 1);
  }

  /** Forgets one finished run. */
  remove(id: number): void {
    this.runs = this.runs.filter((run) => run.id !== id || run.status === 'running' || run.status === 'paused' || run.status === 'queued');
  }

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
      // The batch is looked up per report: runs queued in the same tick as this one (a comparison) join it.
      const job = this.start(next.config, stream, (progress) => {
        const batch = this.batchFor(id);
        this.progress = batch.overall.stamp(progress, batch.ids.indexOf(id));
      });
      this.active = { id, job };
      try {
        const result = await job.result;
        this.update(id, { status: 'done', result });
        const finished = this.runs.find((run) => run.id === id);
        if (finished) this.onFinished(finished);
      } catch (error) {
        const cancelled = error instanceof Error && error.name === 'Cancelled';
        this.update(id, { status: cancelled ? 'cancelled' : 'failed', error: cancelled ? undefined : error });
        if (!cancelled) this.error = error;
      } finally {
        this.active = undefined;
      }
    }
    this.progress = undefined;
    this.batch = undefined;
  }

  /** The batch the run belongs to: the runs queued or running now, extended when more were queued. */
  private batchFor(id: number): { ids: number[]; overall: OverallProgress } {
    const pending = this.runs.filter((run) => run.status === 'queued' || run.id === id).map((run) => run.id);
    const known = this.batch?.ids ?? [];
    if (this.batch && pending.every((p) => known.includes(p))) return this.batch;
    const ids = [...known.filter((k) => !pending.includes(k)), ...pending];
    const byId = new Map(this.runs.map((run) => [run.id, run.name]));
    this.batch = { ids, overall: new OverallProgress(ids.map((runId) => ({ label: byId.get(runId) ?? `run ${runId}` }))) };
    return this.batch;
  }

  private nextQueued(): TrainingRun<Config, Result> | undefined {
    return this.runs.find((run) => run.status === 'queued');
  }

  private update(id: number, change: Partial<TrainingRun<Config, Result>> | ((run: TrainingRun<Config, Result>) => Partial<TrainingRun<Config, Result>>)): void {
    this.runs = this.runs.map((run) => (run.id === id ? { ...run, ...(typeof change === 'function' ? change(run) : change) } : run));
  }
}
