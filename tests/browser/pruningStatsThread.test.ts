import { describe, expect, it } from 'vitest';
import type { Tf } from '../../src/lib/opt/cpu/tfLinear.ts';
import type { CalibrationStats } from '../../src/lib/pruning/calibrationStats.ts';
import type { StatsFactory } from '../../src/lib/pruning/layerRunner.ts';
import { tfPruneKernels } from '../../src/lib/pruning/tfDenseProduct.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { startStatsThread } from '../../src/workers/pruningStats.ts';
import { tf, useTfBackend } from '../../src/workers/tfBackend.ts';

/**
 * The pruning worker's statistics thread in a browser (pruningStats.worker.ts, its own tfjs-wasm): the
 * same statistics as this thread's tfjs-wasm accumulator, bit for bit, every chunk counted.
 */
async function statsOf(factory: StatsFactory<Float32Array>, width: number, parts: { x: Float32Array; rows: number }[]): Promise<CalibrationStats> {
  const sink = factory(width, { gram: true });
  for (const { x, rows } of parts) await sink.add(x, rows);
  return sink.finish();
}

describe('the pruning statistics worker', () => {
  it('adds the Gram and column sums as this thread does, chunk for chunk', async () => {
    await useTfBackend('wasm');
    const width = 300;
    const rng = new Rng(11);
    const parts = [37, 64, 9].map((rows) => ({ x: Float32Array.from({ length: rows * width }, () => rng.normal()), rows }));
    const one = await statsOf(tfPruneKernels(tf as unknown as Tf).stats, width, parts);
    const thread = startStatsThread();
    try {
      const two = await statsOf(thread.thread.stats, width, parts);
      expect(two.tokens).toBe(110);
      expect(two.gram).toEqual(one.gram);
      expect(two.colSumSq).toEqual(one.colSumSq);
      const fewer = await statsOf(thread.thread.stats, width, parts.slice(1));
      expect(fewer.gram).not.toEqual(one.gram);
      expect(thread.alive).toBe(true);
    } finally {
      thread.close();
    }
  });
});
