import * as Comlink from 'comlink';
import type { BackendChoice } from '../backend.ts';
import type { NmfData } from './nmf.ts';
import type { NmfWorkerApi } from './nmfRunner.ts';
import type { NmfTaskRunner } from './nmfTasks.ts';

/**
 * A pool of NMF threads, whatever carries the messages: Web Workers in the page
 * (src/workers/nmfPool.ts) or worker_threads in Node (src/cli/commands/nmfWorkers.ts). Both expose
 * `nmfWorkerApi` with comlink; this file turns such a remote into a runner for `nmfCpuOn`.
 */
export interface NmfPool {
  runners: NmfTaskRunner[];
  /** Ends the threads (also the way to stop tasks in flight after a cancel). */
  close(): Promise<void>;
}

/** Where a job's NMF ran: the backend, and on the CPU path how many threads fitted the restarts. */
export type NmfBackendChoice = BackendChoice & { cpuWorkers?: number };

/** Two threads: a rank sweep's tasks balance well on two, and the machines this targets have few cores. */
export const NMF_POOL_DEFAULT = 2;

/** Threads for a pool: min(`requested`, the cores the engine reports), at least 1. */
export function nmfPoolSize(hardwareConcurrency: number | undefined, requested = NMF_POOL_DEFAULT): number {
  if (!(Number.isInteger(requested) && requested >= 1)) throw new RangeError(`NMF workers must be a positive integer, got ${requested}`);
  return Math.max(1, Math.min(requested, hardwareConcurrency ?? 1));
}

export function comlinkRunner(remote: Comlink.Remote<NmfWorkerApi>): NmfTaskRunner {
  return {
    async load(data: NmfData) {
      // A view into a larger buffer would clone the whole buffer: send E alone.
      const e = data.e.byteLength === data.e.buffer.byteLength ? data.e : data.e.slice();
      if (!(await remote.load({ ...data, e }))) throw new Error('NMF worker: this engine lacks WebAssembly SIMD');
    },
    fit: (task, settings, progress) => remote.fit(task, settings, Comlink.proxy(progress)),
  };
}
