import { checkpoint, neverCancelled } from '../cancel.ts';
import { BestFits, checkNmfInput, initialFactors, mean, nmfFitFast, nmfProblems, sumOfSquares, transpose, type NmfSolver } from './nmf.ts';
import { NmfSimdFitter, nmfKernelModule } from './nmfSimd.ts';

/**
 * The CPU solvers. `nmfCpu` runs the WebAssembly SIMD kernel with all restarts of a k batched (up to
 * `BATCH_BYTES` of kernel memory at once), and falls back to `nmfCpuScalar` where the engine lacks
 * WebAssembly SIMD. Both start every (k, restart) from `initialFactors`, stop it by the shared rule and
 * keep the best restart per k, so they agree with each other and with the WGSL path.
 */

/** Kernel memory for one batch of restarts: 20 restarts of k = 8 on 100 000 samples fit at once. */
const BATCH_BYTES = 256 * 2 ** 20;
/** Yield to the event loop this often, so progress shows and a cancel is seen. */
const YIELD_MS = 100;

export const nmfCpu: NmfSolver = async (data, settings, hooks = {}) => {
  checkNmfInput(data, settings);
  const module = await nmfKernelModule();
  if (!module) return nmfCpuScalar(data, settings, hooks);
  const cancel = hooks.cancel ?? neverCancelled;
  const fitter = new NmfSimdFitter(module, data, sumOfSquares(data.e));
  const meanE = mean(data.e);
  const collector = new BestFits(data, settings);
  const total = settings.kMax * settings.restarts * settings.maxIterations;
  let finished = 0;
  let lastYieldMs = performance.now();
  for (let k = 1; k <= settings.kMax; k++) {
    const perBatch = Math.max(1, Math.floor(BATCH_BYTES / fitter.problemBytes(k)));
    for (let first = 0; first < settings.restarts; first += perBatch) {
      const restarts = Array.from({ length: Math.min(perBatch, settings.restarts - first) }, (_, index) => first + index);
      const starts = restarts.map((restart) => initialFactors(data, { k, restart }, settings.seed, meanE));
      const message = `k = ${k}, restarts ${first + 1}–${first + restarts.length}/${settings.restarts}`;
      const fits = await fitter.fitBatch(k, starts, settings, async (done) => {
        if (performance.now() - lastYieldMs < YIELD_MS) return;
        hooks.progress?.({ phase: 'NMF', done: finished + done, total, message });
        await checkpoint(cancel);
        lastYieldMs = performance.now();
      });
      // In restart order, so ties go to the earlier restart as on the other paths.
      fits.forEach((fit, index) => {
        const restart = restarts[index];
        collector.record(k, restart, fit.vaf, fit.iterations);
        if (fit.vaf > collector.bestVaf(k)) collector.add({ k, restart, w: fit.w, h: fit.readH(), vaf: fit.vaf, iterations: fit.iterations, converged: fit.converged });
      });
      finished += restarts.length * settings.maxIterations;
      hooks.progress?.({ phase: 'NMF', done: finished, total, message });
    }
  }
  return collector.finish('cpu');
};

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
