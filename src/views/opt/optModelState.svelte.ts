import type { Progress } from '../../lib/progress.ts';
import type { WeightPrecision } from '../../lib/util/half.ts';
import { WorkerHandle, type RunningJob } from '../../workers/client.ts';
import type { GenerateReport, LoadedModelInfo, OptApi, PerplexityReport } from '../../workers/optApi.ts';
import { JobState } from '../shared/jobState.svelte.ts';
import type { ModelSourceSpec } from '../../workers/optSession.ts';

/**
 * The page side of one loaded OPT model: the worker that holds it, what was loaded, and the load
 * job's progress and error. The model panel, the evaluate and generate boxes (and the pruning page,
 * with a worker exposing the same OPT jobs) share one instance.
 */
export type SourceKind = ModelSourceSpec['kind'];

export function embeddedModelUrl(): string {
  return new URL('datasets/models/mini-opt/', document.baseURI).href;
}

export function wikitextTestUrl(): string {
  return new URL('datasets/wikitext-2/test.txt', document.baseURI).href;
}

/** The shareable part of a source (hub repo or URL; local files and the default are not links). */
export function sourceToParams(spec: ModelSourceSpec): Record<string, string> | undefined {
  if (spec.kind === 'hub') return { source: 'hub', repo: spec.repo, rev: spec.revision };
  if (spec.kind === 'url') return { source: 'url', url: spec.url };
  return undefined;
}

export function sourceFromParams(params: URLSearchParams | undefined): { kind?: SourceKind; repo?: string; revision?: string; url?: string } {
  const source = params?.get('source');
  if (source === 'hub') return { kind: 'hub', repo: params!.get('repo') ?? undefined, revision: params!.get('rev') ?? undefined };
  if (source === 'url') return { kind: 'url', url: params!.get('url') ?? undefined };
  return {};
}

export class OptModelState<Api extends OptApi = OptApi> {
  info = $state.raw<LoadedModelInfo | undefined>(undefined);
  /** Where the loaded model came from (the export panel reads its own copy from the same files). */
  source = $state.raw<ModelSourceSpec | undefined>(undefined);
  loading = $state(false);
  progress = $state.raw<Progress | undefined>(undefined);
  error = $state<unknown>(undefined);
  /** A job (evaluate, generate) is using the model; loading another waits for it. */
  busy = $state(false);
  /** The evaluate and generate boxes' jobs and last results, kept with the model (they outlive the boxes). */
  readonly evaluation = new JobState<PerplexityReport>();
  /** One generation job per model written side by side (dense and a pruned run, same prompt and seed). */
  readonly generations = [new JobState<GenerateReport>(), new JobState<GenerateReport>()];
  /** The generate box's prompt (WikiText style, a leading space and spaced punctuation, suits the embedded model), the text streamed so far per model, and their labels when two write side by side. */
  prompt = $state(' The history of the city');
  streamed = $state(['', '']);
  generationLabels = $state<string[]>([]);
  private job: RunningJob<LoadedModelInfo> | undefined;

  constructor(
    readonly worker: WorkerHandle<Api>,
    readonly backendOverride: string | null,
    /** Storage of the weight matrices on the WebGPU path (`?weights=f16`). */
    readonly weightPrecision: WeightPrecision = 'f32',
  ) {}

  static forOptWorker(backendOverride: string | null): OptModelState {
    return new OptModelState(
      new WorkerHandle<OptApi>(() => new Worker(new URL('../../workers/opt.worker.ts', import.meta.url), { type: 'module', name: 'opt' })),
      backendOverride,
    );
  }

  async load(spec: ModelSourceSpec): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    this.error = undefined;
    this.progress = { phase: 'download', done: 0, total: 1, message: 'starting' };
    // The loaded model (info, source) stays until the new one has loaded: the worker keeps it too.
    this.job = this.worker.run((api, port) => api.loadModel(spec, this.backendOverride, port, this.weightPrecision), (p) => (this.progress = p));
    try {
      this.info = await this.job.result;
      this.source = spec;
    } catch (error) {
      this.error = error;
    } finally {
      this.loading = false;
      this.progress = undefined;
      this.job = undefined;
    }
  }

  cancel(): void {
    this.job?.cancel();
  }

  dispose(): void {
    this.worker.terminate();
  }
}
