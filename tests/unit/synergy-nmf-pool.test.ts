import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { startNmfNodePool } from '../../src/cli/commands/nmfWorkers.ts';
import { CancelFlag } from '../../src/lib/cancel.ts';
import { DEFAULT_NMF, type NmfData, type NmfRun, type NmfSettings } from '../../src/lib/synergy/nmf.ts';
import { nmfCpu, nmfCpuOn } from '../../src/lib/synergy/nmfCpu.ts';
import { nmfPoolSize } from '../../src/lib/synergy/nmfPool.ts';
import { LocalNmfRunner } from '../../src/lib/synergy/nmfRunner.ts';
import { nmfKernelModule } from '../../src/lib/synergy/nmfSimd.ts';
import { mergeNmfTasks, nmfSampleCost, planNmfTasks, runNmfTasks, type NmfTask, type NmfTaskResult, type NmfTaskRunner } from '../../src/lib/synergy/nmfTasks.ts';
import { Rng } from '../../src/lib/util/random.ts';

/** Non-negative data with some structure (three planted synergies plus noise). */
function data(m: number, n: number, seed: number): NmfData {
  const rng = new Rng(seed);
  const w = Array.from({ length: m * 3 }, () => rng.next());
  const e = new Float32Array(m * n);
  for (let j = 0; j < n; j++) {
    const h = [0, 1, 2].map((r) => Math.max(0, Math.sin((2 * Math.PI * (j + 29 * r)) / 83)) + 0.1 * rng.next());
    for (let i = 0; i < m; i++) e[i * n + j] = h.reduce((sum, value, r) => sum + w[i * 3 + r] * value, 0) + 0.05 * rng.next();
  }
  return { e, m, n };
}

/** Same run, bit for bit: every VAF, iteration count, chosen restart and factor. */
function expectIdentical(a: NmfRun, b: NmfRun) {
  expect(a.vafByRestart).toEqual(b.vafByRestart);
  expect(a.iterationsByRestart).toEqual(b.iterationsByRestart);
  expect(a.best.map((fit) => fit.restart)).toEqual(b.best.map((fit) => fit.restart));
  a.best.forEach((fit, index) => {
    expect(Array.from(fit.w)).toEqual(Array.from(b.best[index].w));
    expect(Array.from(fit.h)).toEqual(Array.from(b.best[index].h));
    expect(fit.vaf).toBe(b.best[index].vaf);
  });
}

/** Every (k, restart) of the sweep, as "k/restart" keys, sorted. */
const allJobs = (kMax: number, restarts: number) => Array.from({ length: kMax * restarts }, (_, i) => `${Math.floor(i / restarts) + 1}/${i % restarts}`).sort();
const jobsOf = (tasks: Pick<NmfTask, 'k' | 'restarts'>[]) => tasks.flatMap((task) => task.restarts.map((restart) => `${task.k}/${restart}`)).sort();

// Early stopping on (tolerance > 0), so restarts of a batch end at different iterations.
const SETTINGS: NmfSettings = { ...DEFAULT_NMF, kMax: 4, restarts: 3, maxIterations: 120, tolerance: 1e-4, checkEvery: 5, seed: 7 };

describe('the NMF task plan', () => {
  it('covers every (k, restart) exactly once, largest task first, for any sweep and pool', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 25 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 30 }), (kMax, restarts, workers, batch) => {
      const tasks = planNmfTasks({ kMax, restarts }, { m: 16, workers, maxBatch: () => batch });
      expect(jobsOf(tasks)).toEqual(allJobs(kMax, restarts));
      const costs = tasks.map((task) => task.restarts.length * nmfSampleCost(16, task.k));
      costs.forEach((cost, index) => index > 0 && expect(cost).toBeLessThanOrEqual(costs[index - 1]));
      tasks.forEach((task) => expect(task.restarts.length).toBeLessThanOrEqual(batch));
    }));
  });

  it('keeps all restarts of a k in one batch on one thread, and splits them only as balance needs', () => {
    expect(planNmfTasks({ kMax: 8, restarts: 20 }, { m: 14, workers: 1, maxBatch: () => Infinity }).map((task) => [task.k, task.restarts.length])).toEqual([8, 7, 6, 5, 4, 3, 2, 1].map((k) => [k, 20]));
    expect(planNmfTasks({ kMax: 8, restarts: 2 }, { m: 14, workers: 2, maxBatch: () => Infinity })).toHaveLength(8);
    // One k and two threads: the restarts are split so both threads have work.
    expect(planNmfTasks({ kMax: 1, restarts: 20 }, { m: 14, workers: 2, maxBatch: () => Infinity })).toHaveLength(8);
    expect(() => planNmfTasks({ kMax: 2, restarts: 2 }, { m: 4, workers: 0, maxBatch: () => 1 })).toThrow(/workers/);
  });

  it('sizes the pool as min(requested, cores), at least one', () => {
    expect(nmfPoolSize(16)).toBe(2);
    expect(nmfPoolSize(1)).toBe(1);
    expect(nmfPoolSize(undefined)).toBe(1);
    expect(nmfPoolSize(8, 4)).toBe(4);
    expect(() => nmfPoolSize(8, 0)).toThrow(RangeError);
  });
});

/** A runner that fits nothing: it records which tasks it ran and answers after a random delay. */
function fakeRunner(ran: NmfTask[], rng: Rng): NmfTaskRunner {
  return {
    async load() {},
    async fit(task) {
      ran.push(task);
      await new Promise((resolve) => setTimeout(resolve, rng.next() * 3));
      return { k: task.k, restarts: task.restarts, vafs: task.restarts.map(() => 0.5), iterations: task.restarts.map(() => 1) };
    },
  };
}

describe('the NMF task queue', () => {
  it('runs every task exactly once over several runners, and returns the results in task order', async () => {
    const tasks = planNmfTasks({ kMax: 6, restarts: 5 }, { m: 8, workers: 3, maxBatch: () => 2 });
    const ran: NmfTask[][] = [[], [], []];
    const rng = new Rng(3);
    const results = await runNmfTasks(tasks, ran.map((list) => fakeRunner(list, rng)), { ...SETTINGS, kMax: 6, restarts: 5 });
    expect(jobsOf(ran.flat())).toEqual(allJobs(6, 5));
    expect(ran.every((list) => list.length > 0)).toBe(true);
    expect(results.map((result) => [result.k, result.restarts])).toEqual(tasks.map((task) => [task.k, task.restarts]));
  });

  it('refuses a sweep with a job lost or fitted twice', () => {
    const input = data(5, 40, 1);
    const settings = { kMax: 2, restarts: 2 };
    const result = (k: number, restarts: number[]): NmfTaskResult => ({ k, restarts, vafs: restarts.map(() => 0.9), iterations: restarts.map(() => 3) });
    const complete = [result(1, [0, 1]), result(2, [0]), result(2, [1])];
    expect(() => mergeNmfTasks(input, settings, complete.slice(0, 2))).toThrow(/k = 2, restart 1 was lost/);
    expect(() => mergeNmfTasks(input, settings, [...complete, result(2, [1])])).toThrow(/k = 2, restart 1 was fitted twice/);
    expect(() => mergeNmfTasks(input, settings, [...complete.slice(0, 2), result(2, [1, 2])])).toThrow(/outside the sweep/);
  });

  it('fails the run when a runner fails, and hands out no task after that', async () => {
    const tasks = planNmfTasks({ kMax: 8, restarts: 1 }, { m: 8, workers: 2, maxBatch: () => 1 });
    const ran: NmfTask[] = [];
    const failing: NmfTaskRunner = { async load() {}, fit: () => Promise.reject(new Error('worker died')) };
    await expect(runNmfTasks(tasks, [failing, fakeRunner(ran, new Rng(1))], { ...SETTINGS, kMax: 8, restarts: 1 })).rejects.toThrow(/worker died/);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ran.length).toBeLessThanOrEqual(1);
  });

  it('stops with Cancelled when the flag is set, without waiting for a task in flight', async () => {
    const cancel = new CancelFlag();
    const stuck: NmfTaskRunner = { async load() {}, fit: () => new Promise(() => {}) };
    const running = runNmfTasks([{ k: 1, restarts: [0] }], [stuck], { ...SETTINGS, kMax: 1, restarts: 1 }, { cancel });
    cancel.cancel();
    await expect(running).rejects.toThrow(/Cancelled/);
  });
});

describe('NMF on two workers', () => {
  const input = data(7, 613, 5);

  it('gives the one-thread run bit for bit when the tasks are spread over two runners', async () => {
    const module = (await nmfKernelModule())!;
    const one = await nmfCpu(input, SETTINGS);
    expect(new Set(one.iterationsByRestart.flat()).size).toBeGreaterThan(1);
    const two = await nmfCpuOn([new LocalNmfRunner(module), new LocalNmfRunner(module)])(input, SETTINGS);
    expectIdentical(two, one);
    expect([one.workers, two.workers]).toEqual([1, 2]);
  });

  describe('on worker_threads', () => {
    const pool = startNmfNodePool(2);
    afterAll(() => pool.close());

    it('gives the one-thread run bit for bit, run after run, with progress up to the total', async () => {
      const solver = nmfCpuOn(pool.runners);
      const reports: number[] = [];
      const two = await solver(input, SETTINGS, { progress: (p) => reports.push(p.done / p.total) });
      expectIdentical(two, await nmfCpu(input, SETTINGS));
      expect(reports.at(-1)).toBe(1);
      // The pool is reused: new data replaces the old in every worker.
      const other = data(5, 301, 9);
      const settings = { ...SETTINGS, kMax: 5, restarts: 2 };
      expectIdentical(await solver(other, settings), await nmfCpu(other, settings));
    });
  });
});

describe('cli nmf --workers', () => {
  it('prints the same synergies on 2 worker_threads as in one thread, and refuses a bad count', async () => {
    const { run } = await import('../../src/cli/commands/nmf.ts');
    const base = ['--input', 'public/datasets/shoulder-emg-seth2019/abd01.exp', '--kmax', '3', '--restarts', '2'];
    const [one, two] = (await Promise.all([run([...base, '--workers', '1']), run([...base, '--workers', '2'])])) as { vaf: number[]; W: number[][]; workers: number }[];
    expect(two.vaf).toEqual(one.vaf);
    expect(two.W).toEqual(one.W);
    expect([one.workers, two.workers]).toEqual([1, 2]);
    await expect(run([...base, '--workers', '0'])).rejects.toThrow(/--workers must be a positive integer/);
  });
});
