/** A worker_threads worker for the monopoly map step: holds the problem, maps the shards it is sent. */
import { parentPort } from 'node:worker_threads';
import { mapShard, type MapTask, type Shard } from '../../lib/monopoly/shardMap.ts';
import type { MonopolyProblem } from '../../lib/monopoly/problem.ts';

let problem: MonopolyProblem | undefined;
parentPort?.on('message', (message: { problem: MonopolyProblem } | { shards: Shard[]; task: MapTask }) => {
  if ('problem' in message) {
    problem = message.problem;
    parentPort?.postMessage({ ready: true });
    return;
  }
  if (!problem) throw new Error('monopoly worker: no problem loaded');
  const loaded = problem;
  parentPort?.postMessage({ parts: message.shards.map((shard) => mapShard(loaded, shard, message.task)) });
});
