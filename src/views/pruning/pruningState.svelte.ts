import type { Series } from '../shared/chart.ts';
import { downloadBlob } from '../shared/files.ts';
import { WorkerHandle } from '../../workers/client.ts';
import type { PruningWorkerApi } from '../../workers/pruning.worker.ts';
import type { PruneReport, PruneRequest } from '../../workers/pruningApi.ts';
import type { AllocationMode } from '../../lib/pruning/allocation.ts';
import type { Granularity } from '../../lib/pruning/heads.ts';
import { PRUNE_METHODS, type PruneMethodName } from '../../lib/pruning/methods.ts';
import type { WeightPrecision } from '../../lib/util/half.ts';
import { ArchivedRuns } from '../shared/archivedRuns.svelte.ts';
import { JobState } from '../shared/jobState.svelte.ts';
import { ExportPanelState } from '../export/exportPanelState.svelte.ts';
import { OptModelState } from '../opt/optModelState.svelte.ts';
import type { ModelChoiceOption } from '../opt/modelChoice.ts';

/**
 * The pruning page's state: the model (in the pruning worker, which also runs the OPT jobs), the
 * settings of the next run, the runs so far, and the charts' series derived from them. One instance
 * lives for the app (ModuleStates): leaving the page keeps the worker, the running job and the runs;
 * finished runs are also kept in IndexedDB and come back after a reload.
 *
 * Perplexity on the page is measured on a token budget of WikiText-2 test by default (the first
 * `evalTokens` tokens, as whole windows of the model's positions) so a run takes seconds, not minutes;
 * "whole test split" gives the paper protocol (the CLI and `npm run study:fasp` use it too).
 */
export const METHOD_LABELS: Record<PruneMethodName, string> = {
  fasp: 'FASP',
  'fasp-norestore': 'FASP without restoration',
  'wanda-sp': 'Wanda-sp',
  flap: 'FLAP',
  magnitude: 'magnitude',
  random: 'random',
};

export interface PruneSettings {
  method: PruneMethodName;
  sparsity: number;
  /** 'default': the method's own (FLAP: joint search; others: uniform). */
  allocation: 'default' | AllocationMode;
  /** 'default': the method's own (Wanda-sp and FLAP: whole heads; others: channels). */
  granularity: 'default' | Granularity;
  norm: 'l1' | 'l2';
  dampingDelta: number;
  refitBias: boolean;
  source: 'wikitext2' | 'c4' | 'random';
  nsamples: number;
  seqlen: number;
  seed: number;
  /** Tokens of WikiText-2 test for perplexity (rounded to whole windows). */
  evalTokens: number;
  evalFull: boolean;
  /** Timings of dense and of pruned tokens/s, interleaved, for the speed comparison (0: none). */
  speedRepeats: number;
}

export const DEFAULT_PRUNE_SETTINGS: PruneSettings = {
  method: 'fasp',
  sparsity: 0.2,
  allocation: 'default',
  granularity: 'default',
  norm: 'l1',
  dampingDelta: 0.01,
  refitBias: false,
  source: 'wikitext2',
  nsamples: 32,
  seqlen: 256,
  seed: 0,
  evalTokens: 16_384,
  evalFull: false,
  speedRepeats: 3,
};

const CANCEL_GRACE_MS = 30_000;

/** The perplexity axis spans at least the dense value … this factor of it. */
const PPL_AXIS_MIN_SPAN = 1.05;

export function datasetsUrl(): string {
  return new URL('datasets/', document.baseURI).href;
}

export class PruningState {
  readonly model: OptModelState<PruningWorkerApi>;
  readonly job = new JobState<PruneReport>();
  settings = $state<PruneSettings>({ ...DEFAULT_PRUNE_SETTINGS });
  /** Finished runs, this session's and restored ones (saved in IndexedDB). */
  readonly archive = new ArchivedRuns<PruneReport>('pruning');
  readonly exporter: ExportPanelState;
  downloading = $state(false);
  downloadError = $state<unknown>(undefined);
  /** Runs whose pruned models the worker still keeps (evaluate, generate and download can use them). */
  keptRunIds = $state.raw<number[]>([]);

  constructor(backendOverride: string | null, weightPrecision: WeightPrecision = 'f32') {
    this.model = new OptModelState(
      new WorkerHandle<PruningWorkerApi>(() => new Worker(new URL('../../workers/pruning.worker.ts', import.meta.url), { type: 'module', name: 'pruning' })),
      backendOverride,
      weightPrecision,
    );
    this.exporter = new ExportPanelState(this.model.worker);
  }

  get runs(): PruneReport[] {
    return this.archive.runs;
  }

  /** A job runs in the pruning worker (the tab asks before closing). */
  get busy(): boolean {
    return this.job.running || this.model.loading || this.model.busy || this.exporter.running || this.downloading;
  }

  /** Whether a run's pruned model is still in the worker (one of this session's last kept runs). */
  canDownload(run: PruneReport): boolean {
    const item = this.archive.items.find((i) => i.run === run);
    return Boolean(item && !item.restored && this.keptRunIds.includes(run.runId));
  }

  /** Run numbers continue after the restored runs', so a number names one run across reloads. */
  private nextRunId(): number {
    return Math.max(0, ...this.runs.map((r) => r.runId)) + 1;
  }

  /** Calibration windows cannot be longer than the model's positions. */
  get maxSeqLen(): number {
    return this.model.info?.summary.maxPositions ?? 2048;
  }

  request(overrides: Partial<Pick<PruneRequest, 'method' | 'sparsity'>> = {}): PruneRequest {
    const s = this.settings;
    const seqlen = Math.min(s.seqlen, this.maxSeqLen);
    return {
      method: s.method,
      sparsity: s.sparsity,
      allocation: s.allocation === 'default' ? undefined : s.allocation,
      settings: { norm: s.norm, dampingDelta: s.dampingDelta, refitBias: s.refitBias, granularity: s.granularity === 'default' ? undefined : s.granularity },
      calibration: { source: s.source, nsamples: s.nsamples, seqlen, seed: s.seed },
      evalWindows: s.evalFull ? undefined : Math.max(1, Math.round(s.evalTokens / this.maxSeqLen)),
      speedRepeats: Math.max(0, Math.round(s.speedRepeats)),
      datasetsUrl: datasetsUrl(),
      runId: this.nextRunId(),
      ...overrides,
    };
  }

  /** Runs one prune with the form's settings; a failure shows in the form's error banner. */
  async run(): Promise<void> {
    if (!this.model.info || this.model.busy) return;
    await this.runRequest(this.request()).catch(() => undefined);
  }

  /**
   * Runs one prune (the form's settings, or the sweep's method and sparsity); rejects when it fails or is
   * cancelled. The run number is taken once the restored runs are known, so numbers never repeat.
   */
  async runRequest(request: PruneRequest): Promise<PruneReport> {
    if (!this.model.info || this.model.busy) throw new Error('The model is not loaded or is busy');
    await this.archive.ready;
    request = { ...request, runId: this.nextRunId() };
    this.model.busy = true;
    try {
      await this.job.run((onProgress) => this.model.worker.run((api, port) => api.prune(request, port), onProgress));
      const result = this.job.result;
      if (this.job.error || !result) throw this.job.error ?? new Error('The run gave no result');
      if (!this.runs.some((r) => r.runId === result.runId)) this.archive.add(result);
      this.keptRunIds = await this.model.worker.api.keptRunIds();
      return result;
    } finally {
      this.model.busy = false;
    }
  }

  /** Dense and the kept runs, for the evaluate and generate boxes. */
  get modelChoices(): ModelChoiceOption[] {
    return this.runs
      .filter((r) => this.keptRunIds.includes(r.runId))
      .map((r) => ({ runId: r.runId, label: `run ${r.runId}: ${METHOD_LABELS[r.method]}, s = ${r.sparsity.toFixed(2)}` }));
  }

  /**
   * Cancels the run. The worker stops at its next check (between calibration batches, layers and
   * perplexity windows) and puts the dense model back; only a worker that has not stopped after
   * CANCEL_GRACE_MS is terminated, which loses the loaded model.
   */
  cancel(): void {
    this.job.cancel(CANCEL_GRACE_MS);
  }

  /** Downloads a kept run's model as a ZIP (safetensors + config.json + tokenizer files). */
  async download(runId: number): Promise<void> {
    this.downloading = true;
    this.downloadError = undefined;
    try {
      const { name, chunks } = await this.model.worker.run((api, port) => api.exportPruned(runId, port)).result;
      downloadBlob(new Blob(chunks as BlobPart[], { type: 'application/zip' }), `${name}.zip`);
    } catch (error) {
      this.downloadError = error;
    } finally {
      this.downloading = false;
    }
  }

  /**
   * Perplexity vs sparsity, one series per method, each from the dense model (s = 0), for runs on the
   * latest run's evaluation budget, and the dense value as a dashed reference line.
   */
  get pplSeries(): Series[] {
    const last = this.runs.at(-1);
    if (!last) return [];
    const comparable = this.runs.filter((r) => r.pruned.windows === last.pruned.windows);
    const dense = last.dense.ppl;
    const maxSparsity = Math.max(...comparable.map((r) => r.sparsity));
    const methods = PRUNE_METHODS.filter((m) => comparable.some((r) => r.method === m)).map((method) => {
      const mine = comparable.filter((r) => r.method === method).sort((a, b) => a.sparsity - b.sparsity);
      return { name: METHOD_LABELS[method], points: [{ x: 0, y: dense }, ...mine.map((r) => ({ x: r.sparsity, y: r.pruned.ppl }))] };
    });
    return [...methods, { name: `dense ${dense.toFixed(2)}`, points: [{ x: 0, y: dense }, { x: maxSparsity, y: dense }], dashed: true }];
  }

  /**
   * Values the perplexity axis must show so it does not exaggerate: the dense value and 5 % above it
   * (a change of 0.01 in 185 is not drawn as a cliff).
   */
  get pplAxisIncludes(): number[] {
    const dense = this.runs.at(-1)?.dense.ppl;
    return dense === undefined ? [] : [dense, dense * PPL_AXIS_MIN_SPAN];
  }

  /** Channels kept per layer (FFN and value channels) in the latest run. */
  get keptSeries(): Series[] {
    const last = this.runs.at(-1);
    if (!last) return [];
    return [
      { name: 'FFN channels', points: last.layers.map((l, i) => ({ x: i + 1, y: l.ffnKept })) },
      { name: 'value channels', points: last.layers.map((l, i) => ({ x: i + 1, y: l.valueKept })) },
    ];
  }

  dispose(): void {
    this.exporter.dispose();
    this.model.dispose();
  }
}
