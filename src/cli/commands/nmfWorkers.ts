import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { comlinkRunner, type NmfPool } from '../../lib/synergy/nmfPool.ts';
import type { NmfWorkerApi } from '../../lib/synergy/nmfRunner.ts';

/** The NMF pool in Node (CLI, bench, tests): `count` worker_threads, each running nmfWorker.ts. */
export function startNmfNodePool(count: number): NmfPool {
  // Node 20 does not apply `--import tsx` to a worker's own entry file, so a tiny bootstrap registers
  // tsx's loader in the worker first and then imports the TypeScript worker.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./nmfWorker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  const workers = Array.from({ length: count }, () => new Worker(bootstrap, { eval: true }));
  const remotes = workers.map((worker) => Comlink.wrap<NmfWorkerApi>(nodeEndpoint(worker)));
  return {
    runners: remotes.map(comlinkRunner),
    async close() {
      for (const remote of remotes) remote[Comlink.releaseProxy]();
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
