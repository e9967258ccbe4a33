import { Worker } from 'node:worker_threads';
import type { ShardMapper } from '../../lib/monopoly/estimate.ts';
import type { MonopolyProblem } from '../../lib/monopoly/problem.ts';
import type { MapPart } from '../../lib/monopoly/shardMap.ts';
import { startTsWorker } from '../tsWorker.ts';

/**
 * The map step on `count` worker_threads: each worker gets a copy of the problem once, then per task
 * the shards dealt to it round-robin; the parts come back in shard order for the reduce.
 */
export async function workerMapper(problem: MonopolyProblem, count: number): Promise<ShardMapper & { close(): Promise<void> }> {
  const workers = Array.from({ length: count }, () => startTsWorker(new URL('./monopolyShardWorker.ts', import.meta.url)));
  const reply = <T>(worker: Worker) => new Promise<T>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    worker.once('error', onError);
    worker.once('message', (message: T) => {
      worker.off('error', onError);
      resolve(message);
    });
  });
  await Promise.all(workers.map((worker) => {
    const ready = reply(worker);
    worker.postMessage({ problem });
    return ready;
  }));
  return {
    async map(shards, task) {
      const dealt = workers.map((_, w) => shards.filter((_, s) => s % count === w));
      const answers = await Promise.all(workers.map((worker, w) => {
        if (dealt[w].length === 0) return Promise.resolve({ parts: [] as MapPart[] });
        const answer = reply<{ parts: MapPart[] }>(worker);
        worker.postMessage({ shards: dealt[w], task });
        return answer;
      }));
      return shards.map((_, s) => answers[s % count].parts[Math.floor(s / count)]);
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
