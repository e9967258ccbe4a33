import * as Comlink from 'comlink';
import { mapShard, type MapPart, type MapTask, type Shard } from '../lib/monopoly/shardMap.ts';
import type { MonopolyProblem } from '../lib/monopoly/problem.ts';

/**
 * One shard worker of the facility-pricing fit (started by the page's monopoly worker): holds a copy of
 * the problem, and maps the shards it is dealt each pass. The same map step the CLI runs on worker_threads.
 */
let problem: MonopolyProblem | undefined;

const api = {
  load(loaded: MonopolyProblem): void {
    problem = loaded;
  },
  map(shards: Shard[], task: MapTask): MapPart[] {
    if (!problem) throw new Error('shard worker: no problem loaded');
    const held = problem;
    return shards.map((shard) => mapShard(held, shard, task));
  },
};

export type MonopolyShardApi = typeof api;
Comlink.expose(api);
