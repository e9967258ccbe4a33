import * as Comlink from 'comlink';
import { CancelFlag } from '../lib/cancel.ts';
import type { Progress, ProgressCallback } from '../lib/progress.ts';
import { installErrorHandler } from './errors.ts';
import type { JobApi, JobPort } from './job.ts';

/**
 * The page side of a worker: starts it lazily, runs jobs with progress and cancel, and restarts it
 * when a cancel has to be forced (a job stuck in a long synchronous step).
 */
export interface RunningJob<R> {
  result: Promise<R>;
  /** Asks the job to stop; if it has not stopped after `graceMs`, the worker is terminated. */
  cancel(graceMs?: number): void;
}

let nextJobId = 1;

export class WorkerHandle<Api extends object> {
  private worker: Worker | undefined;
  private remote: Comlink.Remote<Api & JobApi> | undefined;
  /** Rejecters of the jobs in flight, so a terminated worker fails them instead of leaving them hanging. */
  private readonly inFlight = new Set<(reason: Error) => void>();

  constructor(private readonly create: () => Worker) {
    installErrorHandler();
  }

  get api(): Comlink.Remote<Api & JobApi> {
    if (!this.remote) {
      this.worker = this.create();
      this.remote = Comlink.wrap<Api & JobApi>(this.worker);
    }
    return this.remote;
  }

  run<R>(start: (api: Comlink.Remote<Api & JobApi>, port: JobPort) => Promise<R>, onProgress?: ProgressCallback): RunningJob<R> {
    const jobId = nextJobId++;
    const { flag, buffer } = CancelFlag.shareable();
    const channel = onProgress ? new MessageChannel() : undefined;
    if (channel && onProgress) channel.port1.onmessage = (event: MessageEvent<Progress>) => onProgress(event.data);
    const port: JobPort = Comlink.transfer(
      { jobId, cancelBuffer: buffer, progressPort: channel?.port2 },
      channel ? [channel.port2] : [],
    );
    const api = this.api;
    let settled = false;
    let stop: (reason: Error) => void = () => {};
    const stopped = new Promise<never>((_, reject) => {
      stop = reject;
    });
    this.inFlight.add(stop);
    const result = Promise.race([start(api, port), stopped]).finally(() => {
      settled = true;
      this.inFlight.delete(stop);
      // Progress and the result travel on different ports, whose messages are not ordered with each
      // other: keep listening a moment so the last report is not dropped.
      setTimeout(() => channel?.port1.close(), 250);
    });
    return {
      result,
      cancel: (graceMs = 2000) => {
        flag.cancel();
        void api.cancelJob(jobId);
        setTimeout(() => {
          if (!settled) this.terminate(Object.assign(new Error('Cancelled'), { name: 'Cancelled' }));
        }, graceMs);
      },
    };
  }

  terminate(reason?: Error): void {
    this.worker?.terminate();
    this.worker = undefined;
    this.remote = undefined;
    const reasonOrDefault = reason ?? new Error('The worker was stopped');
    for (const stop of this.inFlight) stop(reasonOrDefault);
    this.inFlight.clear();
  }
}
