import * as Comlink from 'comlink';
import { nmfWorkerApi } from '../lib/synergy/nmfRunner.ts';

/** One thread of the synergy worker's NMF pool (src/workers/nmfPool.ts): fits the tasks it is sent. */
Comlink.expose(nmfWorkerApi());
