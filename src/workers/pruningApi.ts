import { buildCalibrationSet } from '../lib/calibration/build.ts';
import type { CalibrationSource } from '../lib/calibration/settings.ts';
import { fetchTextReader } from '../lib/calibration/texts.ts';
import { checkpoint, type CancelFlag } from '../lib/cancel.ts';
import { InputError } from '../lib/errors.ts';
import { readCompanionFiles, type ExportableModel } from '../lib/export/exportableModel.ts';
import { exportSafetensors } from '../lib/export/safetensorsExport.ts';
import { zipFolder } from '../lib/export/zipFolder.ts';
import type { Tf } from '../lib/opt/cpu/tfLinear.ts';
import { joinDatasetRows } from '../lib/opt/data/wikitext.ts';
import { perplexity, type PerplexityResult } from '../lib/opt/perplexity.ts';
import type { OptRuntime } from '../lib/opt/runtime.ts';
import { loadModelFiles } from '../lib/opt/sources/loadModel.ts';
import { loadOptWeights, type OptLayerWeights } from '../lib/opt/weights.ts';
import type { PlanStep, ProgressCallback } from '../lib/progress.ts';
import { DenseSnapshot } from '../lib/pruning/denseSnapshot.ts';
import type { PruneMethodName } from '../lib/pruning/methods.ts';
import type { WeightNorm } from '../lib/pruning/metrics.ts';
import { pruneOptModel, type PruneModelResult } from '../lib/pruning/pruneModel.ts';
import { KEPT_PRUNED_MODELS } from '../lib/pruning/keptModels.ts';
import { compareSpeeds, interleavedOrder, type SpeedComparison } from '../lib/pruning/speedComparison.ts';
import { tfPruneKernels } from '../lib/pruning/tfDenseProduct.ts';
import { startStatsThread, statsThreadWorthIt, type StatsThread } from './pruningStats.ts';
import { gpuPruneKernels } from '../kernels/pruning/gpuPruneKernels.ts';
import { cpuRuntimeLogits } from './cpuLogits.ts';
import { createExportApi } from './exportApi.ts';
import { runJob, type JobContext, type JobPort } from './job.ts';
import type { AllocationMode } from '../lib/pruning/allocation.ts';
import type { Granularity } from '../lib/pruning/heads.ts';
import type { WeightPrecision } from '../lib/util/half.ts';
import { webOrt } from './ortWeb.ts';
import type { GenerateReport, GenerateRequest, OptApi, PerplexityReport, PerplexityRequest, SessionHolder } from './optApi.ts';
import { checkSession, modelFilesFor, type ModelSourceSpec, type OptModelSession } from './optSession.ts';
import { tf, useTfBackend } from './tfBackend.ts';

/**
 * The pruning jobs of the pruning page's worker, next to the OPT jobs on the same loaded model:
 * prune (calibration windows → dense perplexity → the sequential pipeline → pruned perplexity) and
 * export the last pruned model. Every run starts from the dense model (DenseSnapshot) and puts it back
 * when it ends, finished, failed or cancelled: the loaded model is never left pruned. The pruned layers
 * of the last KEPT_PRUNED_MODELS runs are kept here, so evaluate, generate and the download can use
 * "run N": the job swaps that run's layers in and puts the dense ones back when it ends.
 */
export interface PruneRequest {
  method: PruneMethodName;
  sparsity: number;
  /** Undefined: the method's own (FLAP: its joint search; others: uniform). */
  allocation?: AllocationMode;
  /** Undefined: the method's own (Wanda-sp and FLAP: whole heads; others: channels). */
  settings: { norm: WeightNorm; dampingDelta: number; refitBias: boolean; granularity?: Granularity };
  calibration: { source: 'wikitext2' | 'c4' | 'random'; nsamples: number; seqlen: number; seed: number };
  /** Windows of the model's positions from the start of WikiText-2 test; undefined: the whole split. */
  evalWindows?: number;
  /** Timings of each model (dense, pruned, dense, pruned …) for the speed comparison; 0 skips it. */
  speedRepeats: number;
  /** Folder of the shipped datasets (…/datasets/). */
  datasetsUrl: string;
  /** The page numbers runs (numbers continue after runs restored from an earlier session); default: the worker counts. */
  runId?: number;
}

export interface PerplexitySummary {
  ppl: number;
  tokens: number;
  windows: number;
  windowsInText: number;
  seqLen: number;
  seconds: number;
  tokensPerSecond: number;
}

export interface PruneReport extends Omit<PruneModelResult, 'reports'> {
  runId: number;
  backend: string;
  /** Where the calibration statistics and the restoration solve ran: WGSL on the model's GPU, or tfjs-wasm. */
  kernelsOn: 'webgpu' | 'cpu';
  /** On the CPU path: whether a second thread (a nested worker) added the Gram while the layers ran and shared the restoration. */
  statsOnSecondThread?: boolean;
  dense: PerplexitySummary;
  pruned: PerplexitySummary;
  /** Kept channels per layer, and the restoration's relative residual where there was one. */
  layers: { ffnKept: number; valueKept: number; ffnResidual?: number; valueResidual?: number }[];
  seconds: { calibrationData: number; densePerplexity: number; prune: number; prunedPerplexity: number; speed: number };
  /** Tokens/s of dense and pruned, timed interleaved on the same windows (absent when speedRepeats is 0). */
  speed?: SpeedComparison;
}

/** Which model a job runs on: the dense model, or a kept run's pruned model by its run id. */
export interface ModelChoice {
  runId?: number;
}

interface PrunedModel {
  runId: number;
  method: string;
  sparsity: number;
  config: OptRuntime['config'];
  layers: OptLayerWeights[];
}

/** Windows of the model's positions per speed timing, at most (1024 tokens for the embedded model); fewer when the evaluation budget is smaller. */
const SPEED_WINDOWS = 4;

export function createPruningApi(holder: SessionHolder, optApi: OptApi) {
  let spec: ModelSourceSpec | undefined;
  let snapshot: DenseSnapshot | undefined;
  const prunedModels = new Map<number, PrunedModel>();
  let nextRunId = 1;
  const densePerplexity = new Map<string, PerplexitySummary>();
  const testIds = new Map<string, Int32Array>();
  const calibrationStreams = new Map<string, Int32Array>();
  /** The CPU path's statistics thread (a nested worker), started on the first CPU prune where it pays. */
  let statsThread: StatsThread | undefined;

  function cpuStatsThread(): StatsThread | undefined {
    if (!statsThreadWorthIt(tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'))) return undefined;
    if (!statsThread?.alive) statsThread = startStatsThread();
    return statsThread;
  }

  async function wikitextTest(session: OptModelSession, datasetsUrl: string): Promise<Int32Array> {
    let ids = testIds.get(datasetsUrl);
    if (!ids) {
      const url = new URL('wikitext-2/test.txt', datasetsUrl).href;
      const response = await fetch(url);
      if (!response.ok) throw new InputError(`Could not load the WikiText-2 test text (${response.status})`, url);
      ids = session.tokenizer.encode(joinDatasetRows(await response.text()));
      testIds.set(datasetsUrl, ids);
    }
    return ids;
  }

  async function evaluate(session: OptModelSession, request: PruneRequest, phase: string, job: { cancel: CancelFlag; progress: ProgressCallback }): Promise<PerplexitySummary> {
    const ids = await wikitextTest(session, request.datasetsUrl);
    const result: PerplexityResult = await perplexity(session.runtime, ids, {
      seqLen: session.runtime.config.maxPositions,
      maxWindows: request.evalWindows,
      cancel: job.cancel,
      onProgress: (p) => job.progress({ ...p, phase }),
    });
    const { ppl, tokens, windows, windowsInText, seqLen, seconds } = result;
    return { ppl, tokens, windows, windowsInText, seqLen, seconds, tokensPerSecond: tokens / seconds };
  }

  /**
   * Tokens/s of the dense and the pruned model on the same first windows of WikiText-2 test, timed
   * dense, pruned, dense, pruned … so load changes on the machine hit both; leaves the runtime dense.
   */
  async function timeInterleaved(session: OptModelSession, pruned: PrunedModel, request: PruneRequest, job: JobContext): Promise<SpeedComparison> {
    const { runtime } = session;
    const ids = await wikitextTest(session, request.datasetsUrl);
    const seqLen = runtime.config.maxPositions;
    const timings: Record<'dense' | 'pruned', number[]> = { dense: [], pruned: [] };
    const order = interleavedOrder(request.speedRepeats);
    for (const [i, model] of order.entries()) {
      job.progress({ phase: 'timing dense and pruned', done: i, total: order.length, message: `${model}, timing ${Math.floor(i / 2) + 1} of ${request.speedRepeats}` });
      if (model === 'dense') await snapshot!.restore(runtime);
      else await setPruned(runtime, pruned);
      const result = await perplexity(runtime, ids, { seqLen, maxWindows: Math.min(SPEED_WINDOWS, request.evalWindows ?? SPEED_WINDOWS), cancel: job.cancel });
      timings[model].push(result.tokens / result.seconds);
    }
    job.progress({ phase: 'timing dense and pruned', done: order.length, total: order.length });
    await snapshot!.restore(runtime);
    return compareSpeeds(timings.dense, timings.pruned);
  }

  function keptRun(runId: number): PrunedModel {
    const pruned = prunedModels.get(runId);
    if (!pruned) throw new InputError(`Run ${runId}'s pruned model is no longer kept`, `this tab keeps the last ${KEPT_PRUNED_MODELS} runs' models; prune again to use it`);
    return pruned;
  }

  async function setPruned(runtime: OptRuntime, pruned: PrunedModel): Promise<void> {
    for (let l = 0; l < pruned.layers.length; l++) await runtime.setLayerWeights(l, pruned.layers[l], pruned.config.vHeadDims[l]);
  }

  /** Runs `body` on the chosen model: a kept run's layers are swapped in, and the dense ones put back after. */
  async function withModel<R>(choice: ModelChoice, body: () => Promise<R>): Promise<R> {
    if (choice.runId === undefined) return body();
    const session = checkSession(holder.session);
    const pruned = keptRun(choice.runId);
    snapshot ??= await DenseSnapshot.take(session.runtime);
    try {
      await setPruned(session.runtime, pruned);
      return await body();
    } finally {
      await snapshot.restore(session.runtime);
    }
  }

  /** A run's pruned model (default: the latest) as an exportable model (embeddings and norms read again from the source, cached). */
  async function prunedExportable(job: JobContext, runId?: number): Promise<{ exportable: ExportableModel; pruned: PrunedModel }> {
    const session = checkSession(holder.session);
    const pruned = runId === undefined ? [...prunedModels.values()].at(-1) : keptRun(runId);
    if (!spec || !pruned) throw new InputError('No pruned model yet', 'prune the loaded model first; the latest run is the one exported');
    const files = modelFilesFor(spec, job.cancel);
    // Embeddings, positions and the final norm are never pruned: read them again from the source (cached).
    const loaded = await loadModelFiles(files, (p) => job.progress({ ...p, phase: 'reading the source' }), { requireTokenizer: false });
    const source = await loadOptWeights(loaded.config, loaded.weights);
    const exportable: ExportableModel = {
      config: pruned.config,
      weights: { ...source, layers: pruned.layers },
      companionFiles: await readCompanionFiles(files),
      label: session.source,
    };
    return { exportable, pruned };
  }

  return {
    /** Loads a model (the OPT job) and, once it has loaded, forgets everything pruned on the previous one. */
    async loadModel(source: ModelSourceSpec, backendOverride: string | null, port: JobPort, weightPrecision: WeightPrecision = 'f32') {
      // A failed load keeps the model in use, and with it what was pruned on it.
      const info = await optApi.loadModel(source, backendOverride, port, weightPrecision);
      snapshot = undefined;
      prunedModels.clear();
      densePerplexity.clear();
      testIds.clear();
      calibrationStreams.clear();
      spec = source;
      return info;
    },

    async prune(request: PruneRequest, port: JobPort): Promise<PruneReport> {
      return runJob(port, async (job) => {
        const session = checkSession(holder.session);
        const { runtime } = session;
        // On a WebGPU runtime the statistics and the solve stay on its device; the CPU path uses tfjs-wasm products.
        const gpu = runtime.backend === 'webgpu' ? session.gpu : undefined;
        if (!gpu) await useTfBackend('wasm');
        const thread = gpu ? undefined : cpuStatsThread();
        const kernels = gpu ? gpuPruneKernels(gpu) : tfPruneKernels(tf as unknown as Tf, { thread: thread?.thread });
        snapshot ??= await DenseSnapshot.take(runtime);
        const seconds = { calibrationData: 0, densePerplexity: 0, prune: 0, prunedPerplexity: 0, speed: 0 };
        const timed = async <T>(name: keyof typeof seconds, body: () => Promise<T>): Promise<T> => {
          const started = performance.now();
          const value = await body();
          seconds[name] = (performance.now() - started) / 1000;
          return value;
        };
        const denseKey = `${request.evalWindows ?? 'all'}`;
        job.plan(prunePlan(!densePerplexity.has(denseKey)));
        try {
          const { source, nsamples, seqlen, seed } = request.calibration;
          const calibrationSource: CalibrationSource = { kind: source };
          const set = await timed('calibrationData', () =>
            buildCalibrationSet(
              { source: calibrationSource, nsamples, seqlen, seed },
              { runtime, tokenizer: session.tokenizer, texts: fetchTextReader(request.datasetsUrl), streams: calibrationStreams, progress: (p) => job.progress({ ...p, phase: 'calibration data' }), cancel: job.cancel },
            ),
          );
          await checkpoint(job.cancel);
          let dense = densePerplexity.get(denseKey);
          if (!dense) {
            // One window first, untimed: the backend's first run compiles and allocates, which would make dense look slow.
            await evaluate(session, { ...request, evalWindows: 1 }, 'warm-up', job);
            dense = await timed('densePerplexity', () => evaluate(session, request, 'dense perplexity', job));
            densePerplexity.set(denseKey, dense);
          }
          const calibration = { windows: set.windows, seqLen: seqlen, label: `${set.label}, ${nsamples} × ${seqlen} tokens, seed ${seed}` };
          const result = await timed('prune', () =>
            pruneOptModel(
              runtime,
              calibration,
              { method: request.method, sparsity: request.sparsity, allocation: request.allocation, settings: { ...request.settings, seed }, kernels },
              job.progress,
              job.cancel,
            ).catch((error: unknown) => {
              // A cancelled or failed run leaves statistics half added on the thread: start a clean one next time.
              statsThread?.close();
              throw error;
            }),
          );
          await checkpoint(job.cancel);
          await evaluate(session, { ...request, evalWindows: 1 }, 'warm-up', job); // the new shapes' first run, untimed
          const pruned = await timed('prunedPerplexity', () => evaluate(session, request, 'pruned perplexity', job));
          const runId = request.runId ?? nextRunId++;
          const layers: OptLayerWeights[] = [];
          for (let l = 0; l < runtime.config.numLayers; l++) layers.push(await runtime.getLayerWeights(l));
          const prunedModel: PrunedModel = { runId, method: request.method, sparsity: request.sparsity, config: runtime.config, layers };
          const speed = request.speedRepeats > 0 ? await timed('speed', () => timeInterleaved(session, prunedModel, request, job)) : undefined;
          prunedModels.set(runId, prunedModel);
          for (const old of prunedModels.keys()) if (prunedModels.size > KEPT_PRUNED_MODELS) prunedModels.delete(old);
          const { reports, ...rest } = result;
          return {
            ...rest,
            runId,
            backend: runtime.backend,
            kernelsOn: gpu ? 'webgpu' : 'cpu',
            statsOnSecondThread: thread !== undefined,
            dense,
            pruned,
            layers: reports.map((r) => ({ ffnKept: r.ffn.keptCount, valueKept: r.attention.keptCount, ffnResidual: r.ffn.relativeResidual, valueResidual: r.attention.relativeResidual })),
            seconds,
            speed,
          };
        } finally {
          await snapshot.restore(runtime);
        }
      });
    },

    /** Run ids whose pruned models this worker still keeps (the newest KEPT_PRUNED_MODELS). */
    keptRunIds(): number[] {
      return [...prunedModels.keys()];
    },

    /** Perplexity (the OPT job) on the dense model or a kept run's pruned model. */
    async perplexity(request: PerplexityRequest & ModelChoice, port: JobPort): Promise<PerplexityReport> {
      return withModel(request, () => optApi.perplexity(request, port));
    },

    /** Generation (the OPT job) on the dense model or a kept run's pruned model. */
    async generate(request: GenerateRequest & ModelChoice, port: JobPort, onText?: (text: string) => void): Promise<GenerateReport> {
      return withModel(request, () => optApi.generate(request, port, onText));
    },

    /** A kept run's pruned model as one ZIP of safetensors + config.json + tokenizer files (src/lib/export). */
    async exportPruned(runId: number, port: JobPort): Promise<{ name: string; chunks: Uint8Array[] }> {
      return runJob(port, async (job) => {
        const { exportable, pruned } = await prunedExportable(job, runId);
        const name = `pruned-${pruned.method}-s${pruned.sparsity}`;
        job.progress({ phase: 'writing safetensors', done: 0, total: 1 });
        const written = exportSafetensors(exportable, { extraConfig: { pruning: { method: pruned.method, sparsity: pruned.sparsity, source: exportable.label } } });
        job.progress({ phase: 'writing safetensors', done: 1, total: 1 });
        return { name, chunks: zipFolder(name, written) };
      });
    },

    // The export panel's jobs (safetensors in any dtype, ONNX, the ONNX Runtime check) on the latest pruned model.
    ...createExportApi({ model: async (job) => (await prunedExportable(job)).exportable, ourLogits: cpuRuntimeLogits, ort: async () => webOrt() }),
  };
}

export type PruningApi = ReturnType<typeof createPruningApi>;

/**
 * The prune job's steps for the page's one progress bar. Weights are rough shares of the time on the
 * embedded model (pruning dominates; a perplexity pass costs about as much as calibration).
 */
function prunePlan(withDense: boolean): PlanStep[] {
  const perplexity = (phase: string) => [{ phase: 'warm-up', weight: 1 }, { phase, weight: 4 }];
  return [
    { label: 'calibration data', weight: 1 },
    ...(withDense ? [{ label: 'dense perplexity', weight: 2, parts: perplexity('dense perplexity') }] : []),
    { label: 'pruning', weight: 5, parts: [{ phase: 'embed', weight: 1 }, { phase: 'allocate', weight: 2 }, { phase: 'prune', weight: 8 }] },
    { label: 'pruned perplexity', weight: 2, parts: perplexity('pruned perplexity') },
  ];
}
