import * as Comlink from 'comlink';
import { initialFactors, mean, sumOfSquares, type NmfData, type NmfFit, type NmfSettings } from './nmf.ts';
import { NmfSimdFitter, nmfKernelModule } from './nmfSimd.ts';
import type { NmfTask, NmfTaskResult, NmfTaskRunner } from './nmfTasks.ts';

/**
 * Fits NMF tasks in the thread it lives in, on the WebAssembly SIMD kernel: the CPU path's only
 * compute. `nmfCpu` runs one in the caller's thread; a pool worker (Web Worker or worker_threads)
 * holds one behind `nmfWorkerApi`, so every thread runs the same code on the same numbers.
 */
export class LocalNmfRunner implements NmfTaskRunner {
  private loaded?: { data: NmfData; fitter: NmfSimdFitter; meanE: number };

  constructor(private readonly module: WebAssembly.Module) {}

  async load(data: NmfData): Promise<void> {
    this.loaded = { data, fitter: new NmfSimdFitter(this.module, data, sumOfSquares(data.e)), meanE: mean(data.e) };
  }

  async fit(task: NmfTask, settings: NmfSettings, progress: (done: number) => void | Promise<void>): Promise<NmfTaskResult> {
    if (!this.loaded) throw new Error('NMF runner: no data loaded');
    const { data, fitter, meanE } = this.loaded;
    const { k, restarts } = task;
    const starts = restarts.map((restart) => initialFactors(data, { k, restart }, settings.seed, meanE));
    const fits = await fitter.fitBatch(k, starts, settings, progress);
    // The first restart with the highest VAF (strictly better replaces), as the merge expects.
    let bestIndex = -1;
    fits.forEach((fit, index) => {
      if (fit.vaf > (bestIndex < 0 ? -Infinity : fits[bestIndex].vaf)) bestIndex = index;
    });
    const chosen = fits[bestIndex];
    const best: NmfFit | undefined = chosen && { k, restart: restarts[bestIndex], w: chosen.w, h: chosen.readH(), vaf: chosen.vaf, iterations: chosen.iterations, converged: chosen.converged };
    return { k, restarts, vafs: fits.map((fit) => fit.vaf), iterations: fits.map((fit) => fit.iterations), best };
  }
}

/** How often a pool worker sends its progress: more would only load the message queue. */
const WORKER_PROGRESS_MS = 100;

/**
 * What a pool worker exposes (with comlink, over a Web Worker or a worker_threads port). E is copied in
 * once per run by `load`; `fit` returns only the task's VAFs and its best restart's factors.
 */
export function nmfWorkerApi() {
  let runner: LocalNmfRunner | undefined;
  return {
    /** False where this engine lacks WebAssembly SIMD (the pool is then not used). */
    async load(data: NmfData): Promise<boolean> {
      const module = await nmfKernelModule();
      if (!module) return false;
      runner ??= new LocalNmfRunner(module);
      await runner.load(data);
      return true;
    },
    async fit(task: NmfTask, settings: NmfSettings, progress: (done: number) => void): Promise<NmfTaskResult> {
      if (!runner) throw new Error('NMF worker: no data loaded');
      let lastSentMs = performance.now();
      try {
        return await runner.fit(task, settings, (done) => {
          const now = performance.now();
          if (now - lastSentMs < WORKER_PROGRESS_MS) return;
          lastSentMs = now;
          void progress(done);
        });
      } finally {
        // The callback came as a comlink proxy: free its channel.
        (progress as Partial<Comlink.Remote<unknown>>)[Comlink.releaseProxy]?.();
      }
    },
  };
}

export type NmfWorkerApi = ReturnType<typeof nmfWorkerApi>;
