import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { comlinkRunner, type NmfPool } from '../../lib/synergy/nmfPool.ts';
import type { NmfWorkerApi } from '../../lib/synergy/nmfRunner.ts';
import { startTsWorker } from '../tsWorker.ts';

/** The NMF pool in Node (CLI, bench, tests): `count` worker_threads, each running nmfWorker.ts. */
export function startNmfNodePool(count: number): NmfPool {
  const workers = Array.from({ length: count }, () => startTsWorker(new URL('./nmfWorker.ts', import.meta.url)));
  const remotes = workers.map((worker) => Comlink.wrap<NmfWorkerApi>(nodeEndpoint(worker)));
  return {
    runners: remotes.map(comlinkRunner),
    async close() {
      for (const remote of remotes) remote[Comlink.releaseProxy]();
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
