import type { Series } from '../shared/chart.ts';
import { downloadBlob } from '../shared/files.ts';
import { WorkerHandle } from '../../workers/client.ts';
import type { PruningWorkerApi } from '../../workers/pruning.worker.ts';
import type { PruneReport, PruneRequest } from '../../workers/pruningApi.ts';
import type { AllocationMode } from '../../lib/pruning/allocation.ts';
import type { Granularity } from '../../lib/pruning/heads.ts';
import { PRUNE_METHODS, type PruneMethodName } from '../../lib/pruning/methods.ts';
import { JobState } from '../shared/jobState.svelte.ts';
import { OptModelState } from '../opt/optModelState.svelte.ts';

/**
 * The pruning page's state: the model (in the pruning worker, which also runs the OPT jobs), the
 * settings of the next run, the runs so far, and the charts' series derived from them.
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
};

const CANCEL_GRACE_MS = 30_000;

export function datasetsUrl(): string {
  return new URL('datasets/', document.baseURI).href;
}

export class PruningState {
  readonly model: OptModelState<PruningWorkerApi>;
  readonly job = new JobState<PruneReport>();
  settings = $state<PruneSettings>({ ...DEFAULT_PRUNE_SETTINGS });
  runs = $state.raw<PruneReport[]>([]);
  downloading = $state(false);
  downloadError = $state<unknown>(undefined);

  constructor(backendOverride: string | null) {
    this.model = new OptModelState(
      new WorkerHandle<PruningWorkerApi>(() => new Worker(new URL('../../workers/pruning.worker.ts', import.meta.url), { type: 'module', name: 'pruning' })),
      backendOverride,
    );
  }

  /** Calibration windows cannot be longer than the model's positions. */
  get maxSeqLen(): number {
    return this.model.info?.summary.maxPositions ?? 2048;
  }

  request(): PruneRequest {
    const s = this.settings;
    const seqlen = Math.min(s.seqlen, this.maxSeqLen);
    return {
      method: s.method,
      sparsity: s.sparsity,
      allocation: s.allocation === 'default' ? undefined : s.allocation,
      settings: { norm: s.norm, dampingDelta: s.dampingDelta, refitBias: s.refitBias, granularity: s.granularity === 'default' ? undefined : s.granularity },
      calibration: { source: s.source, nsamples: s.nsamples, seqlen, seed: s.seed },
      evalWindows: s.evalFull ? undefined : Math.max(1, Math.round(s.evalTokens / this.maxSeqLen)),
      datasetsUrl: datasetsUrl(),
    };
  }

  async run(): Promise<void> {
    if (!this.model.info || this.model.busy) return;
    const request = this.request();
    this.model.busy = true;
    try {
      await this.job.run((onProgress) => this.model.worker.run((api, port) => api.prune(request, port), onProgress));
      const result = this.job.result;
      if (result && !this.runs.some((r) => r.runId === result.runId)) this.runs = [...this.runs, result];
    } finally {
      this.model.busy = false;
    }
  }

  /**
   * Cancels the run. The worker stops at its next check (between calibration batches, layers and
   * perplexity windows) and puts the dense model back; only a worker that has not stopped after
   * CANCEL_GRACE_MS is terminated, which loses the loaded model.
   */
  cancel(): void {
    this.job.cancel(CANCEL_GRACE_MS);
  }

  /** Downloads the latest run's model as a ZIP (safetensors + config.json + tokenizer files). */
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

  /** Perplexity vs sparsity, one series per method, each from the dense model (s = 0), for runs on the latest run's evaluation budget. */
  get pplSeries(): Series[] {
    const last = this.runs.at(-1);
    if (!last) return [];
    const comparable = this.runs.filter((r) => r.pruned.windows === last.pruned.windows);
    return PRUNE_METHODS.filter((m) => comparable.some((r) => r.method === m)).map((method) => {
      const mine = comparable.filter((r) => r.method === method).sort((a, b) => a.sparsity - b.sparsity);
      return { name: METHOD_LABELS[method], points: [{ x: 0, y: last.dense.ppl }, ...mine.map((r) => ({ x: r.sparsity, y: r.pruned.ppl }))] };
    });
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
    this.model.dispose();
  }
}
