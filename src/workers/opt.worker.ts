import { exposeWorker } from './job.ts';
import { createOptApi, type SessionHolder } from './optApi.ts';

/** The OPT model page's worker: one loaded model, and the load / perplexity / generate jobs on it. */
const holder: SessionHolder = {};
const api = createOptApi(holder);

export type OptWorkerApi = typeof api;
exposeWorker(api);
