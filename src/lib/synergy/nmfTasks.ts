import { Cancelled } from '../errors.ts';
import { checkpoint, neverCancelled } from '../cancel.ts';
import { BestFits, type NmfData, type NmfFit, type NmfHooks, type NmfRun, type NmfSettings } from './nmf.ts';

/**
 * How the CPU path spreads a rank sweep (every k = 1…kMax × `restarts` random starts) over one or more
 * threads. Every (k, restart) fit depends on (data, k, restart, seed) only — its start comes from
 * `initialFactors` and the SIMD kernel sums each problem of a batch on its own — so which thread runs
 * it, and which other restarts share its batch, changes nothing in its result. The split:
 *
 * 1. `planNmfTasks`: a task is some restarts of one k, fitted as one SIMD batch (one pass over E
 *    serves them all). With more than one thread, restarts are split only as far as balance needs:
 *    at least `TASKS_PER_WORKER` tasks per thread. Tasks are sorted by cost, largest first; a sample costs 4mk + 4k² + 2k FLOP per
 *    restart and iteration, so a k = 8 task costs ~12 × a k = 1 task of the same size.
 * 2. `runNmfTasks`: a dynamic queue — each thread takes the next task when its last one ends
 *    (largest first, so the last tasks to start are the smallest and the threads end together).
 * 3. `mergeNmfTasks`: checks that every (k, restart) came back exactly once, then keeps the best
 *    restart per k with the one-thread rule: restarts in order, a later one kept only when its VAF is
 *    strictly higher (ties go to the earlier restart).
 */

/** Restarts of one k, fitted together. */
export interface NmfTask {
  k: number;
  /** Restart indices, ascending. */
  restarts: number[];
}

/** What a thread sends back for one task: every restart's VAF, and only the best restart's factors. */
export interface NmfTaskResult {
  k: number;
  restarts: number[];
  vafs: number[];
  iterations: number[];
  /** The task's best restart (first of the highest VAF), unnormalised; absent when every VAF is NaN. */
  best?: NmfFit;
}

/** One thread that fits tasks: this thread (`LocalNmfRunner`), a Web Worker or a worker_threads worker. */
export interface NmfTaskRunner {
  /** Takes E for the tasks that follow. */
  load(data: NmfData): Promise<void>;
  /** `progress(done)`: iterations finished in this task so far (a converged restart counts as finished). */
  fit(task: NmfTask, settings: NmfSettings, progress: (done: number) => void | Promise<void>): Promise<NmfTaskResult>;
}

/** Enough tasks per thread for the queue to even out the threads' ends. */
export const TASKS_PER_WORKER = 4;

/** FLOP per sample of one restart's iteration with m muscles and k synergies (bench/nmfFlops.ts counts the same). */
export function nmfSampleCost(m: number, k: number): number {
  return 4 * m * k + 4 * k * k + 2 * k;
}

export interface TaskPlanOptions {
  m: number;
  workers: number;
  /** The most restarts of one k a batch may hold (kernel memory); Infinity when unbounded. */
  maxBatch: (k: number) => number;
}

/** The tasks of a rank sweep, largest first (ties: smaller k, then earlier restarts, first). */
export function planNmfTasks(settings: Pick<NmfSettings, 'kMax' | 'restarts'>, options: TaskPlanOptions): NmfTask[] {
  const { kMax, restarts } = settings;
  const { m, workers, maxBatch } = options;
  if (!(Number.isInteger(workers) && workers >= 1)) throw new RangeError(`workers must be a positive integer, got ${workers}`);
  const forBalance = workers === 1 ? 1 : Math.ceil((TASKS_PER_WORKER * workers) / kMax);
  const tasks: NmfTask[] = [];
  for (let k = 1; k <= kMax; k++) {
    // Chunks of near-equal size: restarts ⌊c·r/chunks⌋ … ⌊(c + 1)·r/chunks⌋ − 1.
    const chunks = Math.min(restarts, Math.max(forBalance, Math.ceil(restarts / Math.max(1, Math.floor(maxBatch(k))))));
    for (let c = 0; c < chunks; c++) {
      const first = Math.floor((c * restarts) / chunks);
      const end = Math.floor(((c + 1) * restarts) / chunks);
      tasks.push({ k, restarts: Array.from({ length: end - first }, (_, index) => first + index) });
    }
  }
  const cost = (task: NmfTask) => task.restarts.length * nmfSampleCost(m, task.k);
  return tasks.sort((a, b) => cost(b) - cost(a) || a.k - b.k || a.restarts[0] - b.restarts[0]);
}

/** How often a thread waiting on other threads looks at the cancel flag. */
const CANCEL_POLL_MS = 50;

export interface RunTaskHooks extends NmfHooks {
  /**
   * Progress is reported, and the event loop given a turn (`checkpoint`: a cancel is seen), at most this
   * often: a runner in this thread would otherwise hold the thread for the whole task.
   */
  yieldEveryMs?: number;
}

/**
 * Runs `tasks` on `runners` (E already loaded): each runner takes the next task as soon as it is free.
 * Results come back in task order. On cancel it rejects with `Cancelled` without waiting for the
 * tasks in flight: the caller ends those threads (a pool's `close`).
 */
export async function runNmfTasks(tasks: NmfTask[], runners: NmfTaskRunner[], settings: NmfSettings, hooks: RunTaskHooks = {}): Promise<NmfTaskResult[]> {
  const cancel = hooks.cancel ?? neverCancelled;
  const yieldEveryMs = hooks.yieldEveryMs ?? 0;
  const total = settings.kMax * settings.restarts * settings.maxIterations;
  const results: NmfTaskResult[] = new Array(tasks.length);
  const inFlight = new Array<number>(runners.length).fill(0);
  let finished = 0;
  let next = 0;
  let lastYieldMs = performance.now();
  const suffix = runners.length > 1 ? ` · ${runners.length} workers` : '';
  const report = (task: NmfTask) => hooks.progress?.({
    phase: 'NMF',
    done: finished + inFlight.reduce((sum, done) => sum + done, 0),
    total,
    message: `k = ${task.k}, restarts ${task.restarts[0] + 1}–${task.restarts[task.restarts.length - 1] + 1}/${settings.restarts}${suffix}`,
  });
  const drain = async (runner: NmfTaskRunner, slot: number) => {
    try {
      await drainInto(runner, slot);
    } catch (error) {
      next = tasks.length; // the run has failed: the other runners take no new task
      throw error;
    }
  };
  const drainInto = async (runner: NmfTaskRunner, slot: number) => {
    while (next < tasks.length) {
      cancel.throwIfCancelled();
      const index = next++;
      const task = tasks[index];
      const result = await runner.fit(task, settings, async (done) => {
        inFlight[slot] = done;
        if (performance.now() - lastYieldMs < yieldEveryMs) return;
        report(task);
        await checkpoint(cancel);
        lastYieldMs = performance.now();
      });
      results[index] = result;
      inFlight[slot] = 0;
      finished += task.restarts.length * settings.maxIterations;
      report(task);
    }
  };
  let stopWatching = () => {};
  const cancelled = new Promise<never>((_, reject) => {
    const timer = setInterval(() => {
      if (cancel.cancelled) reject(new Cancelled());
    }, CANCEL_POLL_MS);
    stopWatching = () => clearInterval(timer);
  });
  try {
    await Promise.race([Promise.all(runners.map(drain)), cancelled]);
  } finally {
    stopWatching();
  }
  return results;
}

/**
 * The run from the tasks' results. Throws when a (k, restart) is missing or came back twice — a lost or
 * duplicated job would otherwise change the VAF table or the chosen fit without a sign.
 */
export function mergeNmfTasks(data: NmfData, settings: Pick<NmfSettings, 'kMax' | 'restarts'>, results: NmfTaskResult[]): NmfRun {
  const seen = Array.from({ length: settings.kMax }, () => new Array<number>(settings.restarts).fill(0));
  for (const result of results) {
    if (!result) throw new Error('an NMF task returned no result');
    result.restarts.forEach((restart) => {
      if (!(result.k >= 1 && result.k <= settings.kMax && restart >= 0 && restart < settings.restarts)) throw new Error(`an NMF task returned k = ${result.k}, restart ${restart}, outside the sweep`);
      if (++seen[result.k - 1][restart] > 1) throw new Error(`NMF job k = ${result.k}, restart ${restart} was fitted twice`);
    });
  }
  seen.forEach((row, index) => row.forEach((count, restart) => {
    if (count === 0) throw new Error(`NMF job k = ${index + 1}, restart ${restart} was lost`);
  }));
  const collector = new BestFits(data, settings);
  const ordered = [...results].sort((a, b) => a.k - b.k || a.restarts[0] - b.restarts[0]);
  for (const result of ordered) {
    result.restarts.forEach((restart, index) => collector.record(result.k, restart, result.vafs[index], result.iterations[index]));
  }
  // The best of each task in restart order, kept only when strictly better: the first restart with the
  // highest VAF, as when one thread sees every restart in order.
  for (const result of ordered) if (result.best) collector.add(result.best);
  return collector.finish('cpu');
}
