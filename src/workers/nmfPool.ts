import * as Comlink from 'comlink';
import { comlinkRunner, type NmfPool } from '../lib/synergy/nmfPool.ts';
import type { NmfWorkerApi } from '../lib/synergy/nmfRunner.ts';

/** The CPU path's NMF pool in the page: `count` Web Workers nested in the synergy worker. */
export function startNmfWebPool(count: number): NmfPool {
  const workers = Array.from({ length: count }, (_, w) =>
    new Worker(new URL('./nmfPool.worker.ts', import.meta.url), { type: 'module', name: `nmf-${w}` }));
  const remotes = workers.map((worker) => Comlink.wrap<NmfWorkerApi>(worker));
  return {
    runners: remotes.map(comlinkRunner),
    async close() {
      for (const remote of remotes) remote[Comlink.releaseProxy]();
      for (const worker of workers) worker.terminate();
    },
  };
}
