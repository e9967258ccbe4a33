import * as Comlink from 'comlink';
import type { CancelFlag } from '../lib/cancel.ts';
import type { ShardMapper } from '../lib/monopoly/estimate.ts';
import type { MonopolyProblem } from '../lib/monopoly/problem.ts';
import type { MapPart, Shard } from '../lib/monopoly/shardMap.ts';
import type { MonopolyShardApi } from './monopolyShard.worker.ts';

/**
 * The map step over `count` Web Workers (nested in the page's monopoly worker): each gets the problem
 * once, then per pass the shards dealt to it round-robin; parts come back in shard order, so the reduce —
 * and the fit — are the same as with the map in one thread. `close` terminates them (also on cancel).
 */
export async function webWorkerMapper(problem: MonopolyProblem, count: number, cancel: CancelFlag): Promise<ShardMapper & { close(): void }> {
  const workers = Array.from({ length: count }, (_, w) =>
    new Worker(new URL('./monopolyShard.worker.ts', import.meta.url), { type: 'module', name: `monopoly-shard-${w}` }));
  const remotes = workers.map((worker) => Comlink.wrap<MonopolyShardApi>(worker));
  const close = () => {
    for (const remote of remotes) remote[Comlink.releaseProxy]();
    for (const worker of workers) worker.terminate();
  };
  try {
    await Promise.all(remotes.map((remote) => remote.load(problem)));
  } catch (error) {
    close();
    throw error;
  }
  return {
    async map(shards: Shard[], task) {
      cancel.throwIfCancelled();
      const dealt = remotes.map((_, w) => shards.filter((_, s) => s % count === w));
      const answers: MapPart[][] = await Promise.all(remotes.map((remote, w) => (dealt[w].length ? remote.map(dealt[w], task) : Promise.resolve([]))));
      cancel.throwIfCancelled();
      return shards.map((_, s) => answers[s % count][Math.floor(s / count)]);
    },
    close,
  };
}
