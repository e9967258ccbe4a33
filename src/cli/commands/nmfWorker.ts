/** A worker_threads thread of the Node NMF pool (nmfWorkers.ts): the same API the page's Web Workers expose. */
import { parentPort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { nmfWorkerApi } from '../../lib/synergy/nmfRunner.ts';

if (!parentPort) throw new Error('nmfWorker.ts runs as a worker_threads worker');
Comlink.expose(nmfWorkerApi(), nodeEndpoint(parentPort));
