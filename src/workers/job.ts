import * as Comlink from 'comlink';
import { CancelFlag } from '../lib/cancel.ts';
import { OverallProgress, withEta, type PlanStep, type ProgressCallback } from '../lib/progress.ts';
import { installErrorHandler } from './errors.ts';

/**
 * The worker side of a job. A page starts a job by calling a worker method with a `JobPort`; the
 * worker turns it into a `JobContext` (a cancel flag and an ETA-stamping progress callback).
 */
export interface JobPort {
  jobId: number;
  /** Progress reports go here (a MessagePort transferred with the call; Comlink proxies only top-level arguments). */
  progressPort?: MessagePort;
  /** Shared cancel cell when the page is cross-origin isolated (seen even inside synchronous loops). */
  cancelBuffer?: SharedArrayBuffer;
}

export interface JobContext {
  cancel: CancelFlag;
  progress: ProgressCallback;
  /**
   * Declares the job's steps so that every later report carries the whole job's progress (one bar
   * for the job, with "step 2 of 4" and a total ETA, instead of one that restarts per phase).
   */
  plan(steps: readonly PlanStep[]): void;
}

/** Methods every worker exposes besides its own. */
export interface JobApi {
  cancelJob(jobId: number): void;
}

const liveJobs = new Map<number, CancelFlag>();

export function openJob(port: JobPort): JobContext & { close(): void } {
  const cancel = new CancelFlag(port.cancelBuffer);
  liveJobs.set(port.jobId, cancel);
  const progressPort = port.progressPort;
  // Progress crosses a thread; at most ~20 reports a second are worth sending.
  let lastSentMs = 0;
  const throttled: ProgressCallback = (progress) => {
    const now = performance.now();
    if (!progressPort || (now - lastSentMs < 50 && progress.done < progress.total)) return;
    lastSentMs = now;
    progressPort.postMessage(progress);
  };
  const stamped = withEta(throttled);
  let overall: OverallProgress | undefined;
  return {
    cancel,
    progress: (progress) => stamped(overall ? overall.stamp(progress) : progress),
    plan: (steps) => {
      overall = new OverallProgress(steps);
    },
    close: () => {
      liveJobs.delete(port.jobId);
      progressPort?.close();
    },
  };
}

/** Runs `body` as a job: opens the context, always closes it. */
export async function runJob<R>(port: JobPort, body: (job: JobContext) => Promise<R>): Promise<R> {
  const job = openJob(port);
  try {
    return await body(job);
  } finally {
    job.close();
  }
}

/** Exposes a worker's API with the shared error handling and the `cancelJob` method. */
export function exposeWorker<Api extends object>(api: Api): void {
  installErrorHandler();
  const withCancel: Api & JobApi = Object.assign(api, {
    cancelJob(jobId: number) {
      liveJobs.get(jobId)?.cancel();
    },
  });
  Comlink.expose(withCancel);
}

/**
 * Marks the typed arrays in a result for transfer instead of copy (large activations, weights).
 * Only arrays that own their whole buffer are transferred; views into a shared buffer are copied.
 */
export function transferResult<R extends object>(result: R): R {
  const buffers = new Set<ArrayBuffer>();
  const visit = (value: unknown, depth: number): void => {
    if (depth > 4 || value === null || typeof value !== 'object') return;
    if (ArrayBuffer.isView(value)) {
      const buffer = value.buffer;
      if (buffer instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === buffer.byteLength) buffers.add(buffer);
      return;
    }
    for (const child of Object.values(value)) visit(child, depth + 1);
  };
  visit(result, 0);
  return Comlink.transfer(result, [...buffers]);
}
