import { describe, expect, it } from 'vitest';
import { CancelFlag } from '../../src/lib/cancel.ts';
import { isCancelled } from '../../src/lib/errors.ts';
import { DEFAULT_NMF, type NmfRun } from '../../src/lib/synergy/nmf.ts';
import { nmfCpu, nmfCpuOn } from '../../src/lib/synergy/nmfCpu.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { startNmfWebPool } from '../../src/workers/nmfPool.ts';

// The page's NMF pool: two Web Workers running the same tasks as one thread, over comlink.
const rng = new Rng(4);
const m = 6;
const n = 517;
const input = { e: new Float32Array(m * n).map((_, i) => Math.abs(Math.sin(i / 17)) + 0.1 * rng.next()), m, n };
const settings = { ...DEFAULT_NMF, kMax: 4, restarts: 3, maxIterations: 80, tolerance: 1e-4, checkEvery: 5, seed: 3 };

function expectIdentical(a: NmfRun, b: NmfRun) {
  expect(a.vafByRestart).toEqual(b.vafByRestart);
  expect(a.iterationsByRestart).toEqual(b.iterationsByRestart);
  a.best.forEach((fit, index) => {
    expect(fit.restart).toBe(b.best[index].restart);
    expect(Array.from(fit.w)).toEqual(Array.from(b.best[index].w));
    expect(Array.from(fit.h)).toEqual(Array.from(b.best[index].h));
  });
}

describe('NMF on two Web Workers', () => {
  it('gives the one-thread run bit for bit', async () => {
    const pool = startNmfWebPool(2);
    try {
      const two = await nmfCpuOn(pool.runners)(input, settings);
      expectIdentical(two, await nmfCpu(input, settings));
      expect(two.workers).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('stops with Cancelled mid-run', async () => {
    const pool = startNmfWebPool(2);
    const cancel = new CancelFlag();
    try {
      const big = { e: new Float32Array(m * 50_000).fill(1), m, n: 50_000 };
      const running = nmfCpuOn(pool.runners)(big, { ...settings, maxIterations: 5000, tolerance: 0 }, { cancel });
      setTimeout(() => cancel.cancel(), 300);
      expect(isCancelled(await running.catch((error: unknown) => error))).toBe(true);
    } finally {
      await pool.close();
    }
  });
});
