import { exposeWorker } from './job.ts';
import { createOptApi, type SessionHolder } from './optApi.ts';
import { createPruningApi } from './pruningApi.ts';

/** The pruning page's worker: the OPT jobs (load, perplexity, generate) and the pruning jobs on one loaded model. */
const holder: SessionHolder = {};
const optApi = createOptApi(holder);
const api = { ...optApi, ...createPruningApi(holder, optApi) };

export type PruningWorkerApi = typeof api;
exposeWorker(api);
