import { buildCalibrationSet, type CalibrationSet } from '../lib/calibration/build.ts';
import { IdbSampleCache } from '../lib/calibration/idbCache.ts';
import type { CalibrationRequest } from '../lib/calibration/settings.ts';
import { runStudy, type StudyCellResult } from '../lib/calibration/study/index.ts';
import { pruningStudyEnvironment, scorePerplexities, type EvaluationTexts } from '../lib/calibration/study/pruningEnvironment.ts';
import { c4Documents, CALIBRATION_TEXT_FILES, fetchTextReader } from '../lib/calibration/texts.ts';
import type { CancelFlag } from '../lib/cancel.ts';
import { InputError } from '../lib/errors.ts';
import { CpuOptRuntime } from '../lib/opt/cpu/cpuRuntime.ts';
import type { Tf } from '../lib/opt/cpu/tfLinear.ts';
import { joinDatasetRows } from '../lib/opt/data/wikitext.ts';
import { loadModelFiles, type LoadedModelFiles } from '../lib/opt/sources/loadModel.ts';
import { summarizeModel } from '../lib/opt/summary.ts';
import type { OptTokenizer } from '../lib/opt/tokenizer/tokenizer.ts';
import { loadOptWeights } from '../lib/opt/weights.ts';
import type { ProgressCallback } from '../lib/progress.ts';
import { tfPruneKernels } from '../lib/pruning/tfDenseProduct.ts';
import type { CalibrationSetView, EvaluationBudget, ModelInfo, StudyReport, StudyRequest } from './calibrationApi.ts';
import { exposeWorker, runJob, type JobPort } from './job.ts';
import { modelFilesFor } from './optSession.ts';
import { tf, useTfBackend } from './tfBackend.ts';

/**
 * The calibration page's worker: the embedded model on the CPU path (tfjs-wasm), calibration sets
 * from every source (self-generated samples cached in IndexedDB by model, settings and seed), and the
 * study queue, which prunes a fresh dense copy of the model per cell with the pruning module's CPU
 * kernels. The CPU path everywhere, because the study's pruning runs there (see the page's note).
 */
interface Session {
  label: string;
  loaded: LoadedModelFiles;
  tokenizer: OptTokenizer;
  dense: CpuOptRuntime;
  datasetsUrl: string;
  streams: Map<string, Int32Array>;
  evaluation?: { ids: EvaluationTexts; key: string };
}

let session: Session | undefined;
const cache = new IdbSampleCache();
const PREVIEW_WINDOWS = 3;

async function freshRuntime(loaded: LoadedModelFiles): Promise<CpuOptRuntime> {
  return new CpuOptRuntime(tf as unknown as Tf, loaded.config, await loadOptWeights(loaded.config, loaded.weights));
}

/** Where the embedded model and the shipped texts are served from. */
export interface SiteUrls {
  modelUrl: string;
  datasetsUrl: string;
}

/** The loaded model, loading it first when this worker has none (a fresh one after a forced cancel). */
async function ensureSession(urls: SiteUrls, progress: ProgressCallback, cancel: CancelFlag): Promise<Session> {
  if (session) return session;
  const files = modelFilesFor({ kind: 'embedded', baseUrl: urls.modelUrl }, cancel);
  const loaded = await loadModelFiles(files, progress);
  await useTfBackend('wasm');
  const dense = await freshRuntime(loaded);
  session = { label: files.label, loaded, tokenizer: loaded.tokenizer!, dense, datasetsUrl: urls.datasetsUrl, streams: new Map() };
  return session;
}

function build(request: CalibrationRequest, s: Session, progress: ProgressCallback, cancel: CancelFlag): Promise<CalibrationSet> {
  return buildCalibrationSet(request, { runtime: s.dense, tokenizer: s.tokenizer, texts: fetchTextReader(s.datasetsUrl), cache, streams: s.streams, progress, cancel });
}

function view(set: CalibrationSet, tokenizer: OptTokenizer): CalibrationSetView {
  const selfgen = set.selfgen;
  const kept = new Set(selfgen?.kept ?? []);
  return {
    request: set.request,
    label: set.label,
    windows: set.windows.length,
    seqlen: set.request.seqlen,
    streamTokens: set.streamTokens,
    seconds: set.seconds,
    backend: set.backend,
    previews: set.windows.slice(0, PREVIEW_WINDOWS).map((w) => tokenizer.decode(w)),
    selfgen: selfgen && {
      samples: selfgen.samples.map((s, i) => ({ text: tokenizer.decode([...s.promptIds, ...s.ids]), ppl: s.ppl, kept: kept.has(i), tokens: s.ids.length, stoppedBy: s.stoppedBy })),
      cutoffPpl: selfgen.cutoffPpl,
      droppedShare: selfgen.droppedShare,
      fromCache: selfgen.fromCache,
    },
  };
}

/**
 * The texts pruned models are scored on. The WikiText-2 *test* split is read here, for scoring only:
 * the calibration readers (texts.ts) refuse it.
 */
async function evaluationTexts(s: Session, budget: EvaluationBudget): Promise<EvaluationTexts> {
  const key = JSON.stringify(budget);
  if (s.evaluation?.key === key) return s.evaluation.ids;
  const fetchText = async (file: string) => {
    const response = await fetch(new URL(file, s.datasetsUrl));
    if (!response.ok) throw new InputError(`Could not load ${file} (${response.status})`);
    return response.text();
  };
  const ids: EvaluationTexts = {
    wikitextTest: { ids: s.tokenizer.encode(joinDatasetRows(await fetchText('wikitext-2/test.txt'))), windows: budget.wikitextTestWindows },
    c4: { ids: s.tokenizer.encode(c4Documents(await fetchText(CALIBRATION_TEXT_FILES.c4)).join('\n\n')), windows: budget.c4Windows },
  };
  s.evaluation = { ids, key };
  return ids;
}

const api = {
  async loadModel(urls: SiteUrls, port: JobPort): Promise<ModelInfo> {
    return runJob(port, async ({ progress, cancel }) => {
      const s = await ensureSession(urls, progress, cancel);
      const { numLayers, maxPositions } = s.loaded.config;
      return { label: s.label, backend: 'CPU path (tfjs-wasm in a worker)', parameters: summarizeModel(s.loaded.config, s.loaded.weights).parameters.total, layers: numLayers, maxPositions };
    });
  },

  async buildSet(urls: SiteUrls, request: CalibrationRequest, port: JobPort): Promise<CalibrationSetView> {
    return runJob(port, async ({ progress, cancel, plan }) => {
      // Self-generation writes, then scores, its samples: one bar over both (writing takes most of the time).
      if (request.source.kind === 'selfgen') {
        plan([
          { label: 'self-generating', weight: 9, parts: [{ phase: 'preparing prompts', weight: 0 }, { phase: 'generating' }] },
          { label: 'scoring', weight: 1 },
        ]);
      }
      const s = await ensureSession(urls, progress, cancel);
      return view(await build(request, s, progress, cancel), s.tokenizer);
    });
  },

  async runStudy(urls: SiteUrls, request: StudyRequest, port: JobPort, onResult?: (result: StudyCellResult) => void): Promise<StudyReport> {
    return runJob(port, async ({ progress, cancel }) => {
      const s = await ensureSession(urls, progress, cancel);
      progress({ phase: 'reading the evaluation texts', done: 0, total: 1 });
      const evaluation = await evaluationTexts(s, request.budget);
      const dense = await scorePerplexities(s.dense, evaluation, (p) => progress({ ...p, phase: 'dense model perplexity' }), cancel);
      const environment = pruningStudyEnvironment({
        buildSet: (r, p, c) => build(r, s, p, c),
        freshRuntime: () => freshRuntime(s.loaded),
        kernels: tfPruneKernels(tf as unknown as Tf),
        evaluation,
      });
      const results = await runStudy(request.spec, environment, {
        progress,
        cancel,
        minSeeds: request.minSeeds,
        onResult: (r) => onResult?.(r),
      });
      return { results, dense: { wikitextTestPpl: dense.wikitext.ppl, c4Ppl: dense.c4.ppl }, evaluated: { wikitextTestTokens: dense.wikitext.tokens, c4Tokens: dense.c4.tokens } };
    });
  },
};

export type CalibrationWorkerApi = typeof api;
exposeWorker(api);
