import { Worker } from 'node:worker_threads';

/**
 * A worker_threads Worker running a TypeScript entry file (CLI, benches, Node tests). Node 20 does not
 * apply `--import tsx` to a worker's own entry file, so a tiny bootstrap registers tsx's loader in the
 * worker first and then imports the entry.
 */
export function startTsWorker(entry: URL): Worker {
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true });
}
