import { adapterLabel, type BackendChoice } from '../../lib/backend.ts';
import type { WeightPrecision } from '../../lib/util/half.ts';
import { WorkerHandle } from '../../workers/client.ts';
import type { SystemApi } from '../../workers/system.worker.ts';

/** What the workers will compute on, asked once from a worker (the place where it matters). */
export interface ComputeReport extends BackendChoice {
  limits?: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  crossOriginIsolated: boolean;
}

export function backendOverride(location: Location = window.location): string | null {
  const fromSearch = new URLSearchParams(location.search).get('backend');
  if (fromSearch) return fromSearch;
  const hashQuery = location.hash.split('?')[1] ?? '';
  return new URLSearchParams(hashQuery).get('backend');
}

/** `?weights=f16` (search or hash query): the WebGPU path stores weight matrices as halves; f32 otherwise. */
export function weightPrecisionSetting(location: Location = window.location): WeightPrecision {
  const hashQuery = location.hash.split('?')[1] ?? '';
  const value = new URLSearchParams(location.search).get('weights') ?? new URLSearchParams(hashQuery).get('weights');
  return value === 'f16' ? 'f16' : 'f32';
}

export class ComputeInfo {
  report = $state.raw<ComputeReport | undefined>(undefined);
  error = $state<string | undefined>(undefined);
  readonly override = backendOverride();
  private readonly worker = new WorkerHandle<SystemApi>(
    () => new Worker(new URL('../../workers/system.worker.ts', import.meta.url), { type: 'module', name: 'system' }),
  );

  constructor() {
    this.worker.api
      .probe(this.override)
      .then((report) => (this.report = report))
      .catch((error: Error) => (this.error = error.message))
      .finally(() => this.worker.terminate());
  }

  get label(): string {
    const report = this.report;
    if (!report) return this.error ? 'compute: unknown' : 'probing…';
    const adapter = report.adapter ? adapterLabel(report.adapter) : 'no adapter';
    return report.backend === 'webgpu' ? `WebGPU · ${adapter}` : `CPU · ${adapter}`;
  }

  /** Runs the matmul self-test in a fresh worker (used by the System page). */
  async selfTest() {
    const worker = new WorkerHandle<SystemApi>(
      () => new Worker(new URL('../../workers/system.worker.ts', import.meta.url), { type: 'module', name: 'system-selftest' }),
    );
    try {
      return await worker.api.selfTest(this.override);
    } finally {
      worker.terminate();
    }
  }
}
