import { afterAll, describe, expect, it } from 'vitest';
import { openCliModel } from '../../src/cli/commands/optModel.ts';
import { cpuPruneKernels } from '../../src/cli/commands/pruneNode.ts';
import { nodeTf } from '../../src/lib/opt/cpu/nodeTf.ts';
import { batchWindows, OptLayerRunner, prune, windowsPerBatch } from '../../src/lib/pruning/index.ts';
import type { CalibrationStats } from '../../src/lib/pruning/calibrationStats.ts';
import type { StatsFactory } from '../../src/lib/pruning/layerRunner.ts';
import { serveStats, threadedStatsFactory, type StatsPort, type StatsReply, type StatsRequest } from '../../src/lib/pruning/statsThread.ts';
import { tfThreadKernels } from '../../src/lib/pruning/tfDenseProduct.ts';
import { Rng } from '../../src/lib/util/random.ts';

/**
 * The calibration statistics and the restoration's lower rows on a second thread (statsThread.ts; a
 * Node worker in pruneNode.ts) are the one-thread numbers, bit for bit: same accumulator, same tfjs
 * products, same chunk order, and each row of the solve computed as it is on one thread.
 */
const kernels = await cpuPruneKernels({ threads: 2 });
afterAll(() => kernels.close());

/** Chunks of [rows, width]: dense Gaussian ones, and a mostly-zero one (the sparse Gram path). */
function chunks(width: number, seed: number): { x: Float32Array; rows: number }[] {
  const rng = new Rng(seed);
  const dense = (rows: number) => ({ x: Float32Array.from({ length: rows * width }, () => rng.normal()), rows });
  const sparse = (rows: number) => ({ x: Float32Array.from({ length: rows * width }, () => (rng.uniform(0, 1) < 0.05 ? rng.normal() : 0)), rows });
  return [dense(40), sparse(33), dense(17), dense(64), dense(5)];
}

async function statsOf(factory: StatsFactory<Float32Array>, width: number, parts: { x: Float32Array; rows: number }[]): Promise<CalibrationStats> {
  const sink = factory(width, { gram: true });
  for (const { x, rows } of parts) await sink.add(x, rows);
  return sink.finish();
}

describe('calibration statistics on a second thread', () => {
  it('equal the one-thread statistics bit for bit, and miss no chunk (width over one Gram block)', async () => {
    const width = 300 + 260; // two 256-wide SYRK column blocks and a partial one
    const parts = chunks(width, 1);
    const one = await statsOf((await cpuPruneKernels()).stats, width, parts);
    const two = await statsOf(kernels.stats, width, parts);
    expect(two.tokens).toBe(parts.reduce((sum, part) => sum + part.rows, 0));
    expect(two.gram).toEqual(one.gram);
    expect(two.colSum).toEqual(one.colSum);
    expect(two.colSumSq).toEqual(one.colSumSq);
    // Without the last chunk the Gram differs: the comparison above would see a dropped chunk.
    const fewer = await statsOf(kernels.stats, width, parts.slice(0, -1));
    expect(fewer.gram).not.toEqual(one.gram);
  });

  it('leaves the caller its array (the runner may reuse it) and keeps two sinks apart', async () => {
    const [a, b] = [chunks(24, 2), chunks(31, 3)];
    const sinkA = kernels.stats(24, { gram: true });
    const sinkB = kernels.stats(31, { gram: false });
    for (let i = 0; i < a.length; i++) {
      await sinkA.add(a[i].x, a[i].rows);
      await sinkB.add(b[i].x, b[i].rows);
      expect(a[i].x.length).toBe(a[i].rows * 24); // not detached by the transfer
    }
    const [statsA, statsB] = [await sinkA.finish(), await sinkB.finish()];
    const one = (await cpuPruneKernels()).stats;
    expect(statsA).toEqual(await statsOf(one, 24, a));
    expect(statsB.gram).toBeUndefined();
    expect(statsB.colSumSq).toEqual((await statsOf(one, 31, b)).colSumSq);
  });

  it('reports non-finite activations as bad input, as one thread does', async () => {
    const sink = kernels.stats(8, { gram: true });
    await sink.add(new Float32Array(16).fill(1), 2);
    await sink.add(Float32Array.from({ length: 8 }, (_, i) => (i === 3 ? NaN : 0)), 1);
    await expect(sink.finish()).rejects.toMatchObject({ name: 'InputError' });
  });

  it('never has more than maxInFlight chunks posted and not added', async () => {
    const threadKernels = tfThreadKernels(await nodeTf());
    let posted = 0;
    let most = 0;
    const replies: (() => void)[] = [];
    // An in-process pair of ports whose thread side answers only when the test lets it.
    const handlers: { main?: (m: StatsRequest | StatsReply) => void; thread?: (m: StatsRequest | StatsReply) => void } = {};
    const mainPort: StatsPort = {
      postMessage: (message) => {
        if (message.kind === 'add') most = Math.max(most, ++posted);
        handlers.thread?.(message);
      },
      onMessage: (handler) => (handlers.main = handler),
    };
    const threadPort: StatsPort = {
      postMessage: (message) => {
        replies.push(() => {
          if (message.kind === 'added') posted--;
          handlers.main?.(message);
        });
      },
      onMessage: (handler) => (handlers.thread = handler),
    };
    serveStats(threadPort, threadKernels);
    const sink = threadedStatsFactory(mainPort, { maxInFlight: 2 })(16, { gram: true });
    const parts = chunks(16, 4);
    let added = 0;
    const adding = (async () => {
      for (const { x, rows } of parts) {
        await sink.add(x, rows);
        added++;
      }
    })();
    while (added < parts.length) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      replies.shift()?.();
    }
    await adding;
    const finishing = sink.finish();
    while (replies.length > 0 || posted > 0) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      replies.shift()?.();
    }
    expect(most).toBe(2);
    expect((await finishing).tokens).toBe(parts.reduce((sum, part) => sum + part.rows, 0));
  });

  it('solves a restoration split over two threads to the one-thread weights (odd row count, damping)', async () => {
    const rng = new Rng(5);
    const [n, dOut, rows] = [150, 37, 400];
    const x = Float32Array.from({ length: rows * n }, () => rng.normal());
    const stats = await statsOf((await cpuPruneKernels()).stats, n, [{ x, rows }]);
    const input = {
      weight: Float32Array.from({ length: dOut * n }, () => rng.normal()),
      bias: Float32Array.from({ length: dOut }, () => rng.normal()),
      dOut,
      n,
      kept: Int32Array.from({ length: 110 }, (_, i) => i + (i >= 50 ? 40 : 0)),
      stats,
    };
    const options = { dampingDelta: 0.01, refitBias: false };
    const one = await (await cpuPruneKernels()).solver(input, options);
    const two = await kernels.solver(input, options);
    expect(two.weightKept).toEqual(one.weightKept);
    expect(two.bias).toEqual(one.bias);
    expect(two.lambda).toBe(one.lambda);
  });

  it('prunes the embedded OPT model (FASP) to the same channels and weights as one thread', async () => {
    const model = await openCliModel('embedded');
    const rng = new Rng(7);
    const windows = Array.from({ length: 3 }, () => Int32Array.from({ length: 64 }, () => 4 + rng.int(4000)));
    const batches = batchWindows(windows, windowsPerBatch(64, 128));
    const run = async (stats: StatsFactory<Float32Array>) => {
      const runner = new OptLayerRunner(model.runtime, 64);
      try {
        return await prune(runner, batches, { method: 'fasp', sparsity: 0.3, settings: { granularity: 'channel' }, stats, solver: kernels.solver });
      } finally {
        await runner.restoreDense();
      }
    };
    const one = await run((await cpuPruneKernels()).stats);
    const two = await run(kernels.stats);
    expect(two.reports.map((r) => [r.ffn.kept, r.attention.kept])).toEqual(one.reports.map((r) => [r.ffn.kept, r.attention.kept]));
    expect(two.layers).toEqual(one.layers);
    model.runtime.dispose();
  });
});
