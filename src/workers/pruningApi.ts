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
import type { ProgressCallback } from '../lib/progress.ts';
import { DenseSnapshot } from '../lib/pruning/denseSnapshot.ts';
import type { PruneMethodName } from '../lib/pruning/methods.ts';
import type { WeightNorm } from '../lib/pruning/metrics.ts';
import { pruneOptModel, type PruneModelResult } from '../lib/pruning/pruneModel.ts';
import { tfPruneKernels } from '../lib/pruning/tfDenseProduct.ts';
import { gpuPruneKernels } from '../kernels/pruning/gpuPruneKernels.ts';
import { cpuRuntimeLogits } from './cpuLogits.ts';
import { createExportApi } from './exportApi.ts';
import { runJob, type JobContext, type JobPort } from './job.ts';
import type { AllocationMode } from '../lib/pruning/allocation.ts';
import type { Granularity } from '../lib/pruning/heads.ts';
import { webOrt } from './ortWeb.ts';
import type { OptApi, SessionHolder } from './optApi.ts';
import { checkSession, modelFilesFor, type ModelSourceSpec, type OptModelSession } from './optSession.ts';
import { tf, useTfBackend } from './tfBackend.ts';

/**
 * The pruning jobs of the pruning page's worker, next to the OPT jobs on the same loaded model:
 * prune (calibration windows → dense perplexity → the sequential pipeline → pruned perplexity) and
 * export the last pruned model. Every run starts from the dense model (DenseSnapshot) and puts it back
 * when it ends, finished, failed or cancelled: the loaded model is never left pruned, and the last
 * pruned layers are kept here for the download.
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
  /** Folder of the shipped datasets (…/datasets/). */
  datasetsUrl: string;
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
  dense: PerplexitySummary;
  pruned: PerplexitySummary;
  /** Kept channels per layer, and the restoration's relative residual where there was one. */
  layers: { ffnKept: number; valueKept: number; ffnResidual?: number; valueResidual?: number }[];
  seconds: { calibrationData: number; densePerplexity: number; prune: number; prunedPerplexity: number };
}

interface PrunedModel {
  runId: number;
  method: string;
  sparsity: number;
  config: OptRuntime['config'];
  layers: OptLayerWeights[];
}

export function createPruningApi(holder: SessionHolder, optApi: OptApi) {
  let spec: ModelSourceSpec | undefined;
  let snapshot: DenseSnapshot | undefined;
  let lastPruned: PrunedModel | undefined;
  let nextRunId = 1;
  const densePerplexity = new Map<string, PerplexitySummary>();
  const testIds = new Map<string, Int32Array>();
  const calibrationStreams = new Map<string, Int32Array>();

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

  /** The latest run's pruned model as an exportable model (embeddings and norms read again from the source, cached). */
  async function latestPruned(job: JobContext): Promise<{ exportable: ExportableModel; pruned: PrunedModel }> {
    const session = checkSession(holder.session);
    const pruned = lastPruned;
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
    /** Loads a model (the OPT job) and forgets everything pruned on the previous one. */
    async loadModel(source: ModelSourceSpec, backendOverride: string | null, port: JobPort) {
      spec = undefined;
      snapshot = undefined;
      lastPruned = undefined;
      densePerplexity.clear();
      testIds.clear();
      calibrationStreams.clear();
      const info = await optApi.loadModel(source, backendOverride, port);
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
        const kernels = gpu ? gpuPruneKernels(gpu) : tfPruneKernels(tf as unknown as Tf);
        snapshot ??= await DenseSnapshot.take(runtime);
        const seconds = { calibrationData: 0, densePerplexity: 0, prune: 0, prunedPerplexity: 0 };
        const timed = async <T>(name: keyof typeof seconds, body: () => Promise<T>): Promise<T> => {
          const started = performance.now();
          const value = await body();
          seconds[name] = (performance.now() - started) / 1000;
          return value;
        };
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
          const denseKey = `${request.evalWindows ?? 'all'}`;
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
            ),
          );
          await checkpoint(job.cancel);
          await evaluate(session, { ...request, evalWindows: 1 }, 'warm-up', job); // the new shapes' first run, untimed
          const pruned = await timed('prunedPerplexity', () => evaluate(session, request, 'pruned perplexity', job));
          const runId = nextRunId++;
          const layers: OptLayerWeights[] = [];
          for (let l = 0; l < runtime.config.numLayers; l++) layers.push(await runtime.getLayerWeights(l));
          lastPruned = { runId, method: request.method, sparsity: request.sparsity, config: runtime.config, layers };
          const { reports, ...rest } = result;
          return {
            ...rest,
            runId,
            backend: runtime.backend,
            kernelsOn: gpu ? 'webgpu' : 'cpu',
            dense,
            pruned,
            layers: reports.map((r) => ({ ffnKept: r.ffn.keptCount, valueKept: r.attention.keptCount, ffnResidual: r.ffn.relativeResidual, valueResidual: r.attention.relativeResidual })),
            seconds,
          };
        } finally {
          await snapshot.restore(runtime);
        }
      });
    },

    /** The last pruned model as one ZIP of safetensors + config.json + tokenizer files (src/lib/export). */
    async exportPruned(runId: number, port: JobPort): Promise<{ name: string; chunks: Uint8Array[] }> {
      return runJob(port, async (job) => {
        if (lastPruned?.runId !== runId) throw new InputError('Only the latest run can be downloaded', 'run it again to download its model');
        const { exportable, pruned } = await latestPruned(job);
        const name = `pruned-${pruned.method}-s${pruned.sparsity}`;
        job.progress({ phase: 'writing safetensors', done: 0, total: 1 });
        const written = exportSafetensors(exportable, { extraConfig: { pruning: { method: pruned.method, sparsity: pruned.sparsity, source: exportable.label } } });
        job.progress({ phase: 'writing safetensors', done: 1, total: 1 });
        return { name, chunks: zipFolder(name, written) };
      });
    },

    // The export panel's jobs (safetensors in any dtype, ONNX, the ONNX Runtime check) on the latest pruned model.
    ...createExportApi({ model: async (job) => (await latestPruned(job)).exportable, ourLogits: cpuRuntimeLogits, ort: async () => webOrt() }),
  };
}

export type PruningApi = ReturnType<typeof createPruningApi>;
