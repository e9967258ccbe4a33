import { checkpoint, neverCancelled } from '../cancel.ts';
import { BestFits, checkNmfInput, initialFactors, mean, nmfFitFast, nmfProblems, sumOfSquares, transpose, type NmfData, type NmfHooks, type NmfRun, type NmfSettings, type NmfSolver } from './nmf.ts';
import { LocalNmfRunner } from './nmfRunner.ts';
import { nmfKernelModule, simdProblemBytes } from './nmfSimd.ts';
import { mergeNmfTasks, planNmfTasks, runNmfTasks, type NmfTaskRunner } from './nmfTasks.ts';

/**
 * The CPU solvers. `nmfCpu` runs the WebAssembly SIMD kernel in this thread, with all restarts of a k
 * batched (up to `BATCH_BYTES` of kernel memory at once); `nmfCpuOn` runs the same tasks on several
 * threads (nmfTasks.ts: largest first, dynamic queue) with results bit-identical to `nmfCpu`'s. Both fall
 * back to `nmfCpuScalar` where the engine lacks WebAssembly SIMD. Every path starts each (k, restart)
 * from `initialFactors`, stops it by the shared rule and keeps the best restart per k, so they agree
 * with each other and with the WGSL path.
 */

/** Kernel memory for one batch of restarts: 20 restarts of k = 8 on 100 000 samples fit at once. */
const BATCH_BYTES = 256 * 2 ** 20;
/** Yield to the event loop this often, so progress shows and a cancel is seen. */
const YIELD_MS = 100;

export const nmfCpu: NmfSolver = async (data, settings, hooks = {}) => {
  checkNmfInput(data, settings);
  const module = await nmfKernelModule();
  if (!module) return nmfCpuScalar(data, settings, hooks);
  return solveOn([new LocalNmfRunner(module)], data, settings, hooks);
};

/**
 * The SIMD path with the restarts spread over `runners` (a pool's workers, E copied to each once per
 * run; one run at a time per pool). Same tasks' results as `nmfCpu`, so the same run, bit for bit.
 */
export function nmfCpuOn(runners: NmfTaskRunner[]): NmfSolver {
  if (runners.length === 0) throw new RangeError('nmfCpuOn needs at least one runner');
  return async (data, settings, hooks = {}) => {
    checkNmfInput(data, settings);
    if (!(await nmfKernelModule())) return nmfCpuScalar(data, settings, hooks);
    return solveOn(runners, data, settings, hooks);
  };
}

async function solveOn(runners: NmfTaskRunner[], data: NmfData, settings: NmfSettings, hooks: NmfHooks): Promise<NmfRun> {
  const { m, n } = data;
  await Promise.all(runners.map((runner) => runner.load(data)));
  const tasks = planNmfTasks(settings, { m, workers: runners.length, maxBatch: (k) => BATCH_BYTES / simdProblemBytes(m, n, k) });
  const results = await runNmfTasks(tasks, runners, settings, { ...hooks, yieldEveryMs: YIELD_MS });
  return { ...mergeNmfTasks(data, settings, results), workers: runners.length };
}

/** Every (k, restart) in turn on the scalar loop `nmfFitFast`: the path without WebAssembly SIMD. */
export const nmfCpuScalar: NmfSolver = async (data, settings, hooks = {}) => {
  checkNmfInput(data, settings);
  const cancel = hooks.cancel ?? neverCancelled;
  const problems = nmfProblems(settings.kMax, settings.restarts);
  const eByColumn = transpose(data.e, data.m, data.n);
  const normE2 = sumOfSquares(data.e);
  const meanE = mean(data.e);
  const collector = new BestFits(data, settings);
  let done = 0;
  let lastYieldMs = performance.now();
  for (const problem of problems) {
    const start = initialFactors(data, problem, settings.seed, meanE);
    const fit = nmfFitFast(data, eByColumn, normE2, problem.k, start, settings);
    collector.add({ ...fit, restart: problem.restart });
    done += settings.maxIterations;
    hooks.progress?.({ phase: 'NMF', done, total: problems.length * settings.maxIterations, message: `k = ${problem.k}, restart ${problem.restart + 1}/${settings.restarts}` });
    if (performance.now() - lastYieldMs > YIELD_MS) {
      await checkpoint(cancel);
      lastYieldMs = performance.now();
    }
  }
  return collector.finish('cpu');
};
