import { WorkerHandle } from '../../workers/client.ts';
import type { ExportWorkerApi } from '../../workers/export.worker.ts';
import { ExportPanelState } from '../export/exportPanelState.svelte.ts';
import { OptModelState } from './optModelState.svelte.ts';

/**
 * The Models page's state, kept for the app's life (ModuleStates): the loaded model in its worker, the
 * evaluate and generate jobs with their last results (on the model state), and the export panel with
 * its own worker, which reads its own copy of the loaded model when first asked to.
 */
export class ModelPageState {
  readonly model: OptModelState;
  readonly exportWorker = new WorkerHandle<ExportWorkerApi>(
    () => new Worker(new URL('../../workers/export.worker.ts', import.meta.url), { type: 'module', name: 'export' }),
  );
  readonly exporter = new ExportPanelState(this.exportWorker);
  private exportSource: unknown;

  constructor(backendOverride: string | null) {
    this.model = OptModelState.forOptWorker(backendOverride);
  }

  /** A job runs (the tab asks before closing). */
  get busy(): boolean {
    return this.model.loading || this.model.busy || this.exporter.running;
  }

  /** Points the export worker at the loaded model once per load (again would drop its cached copy). */
  syncExportSource(): void {
    const source = this.model.source;
    if (!source || source === this.exportSource) return;
    this.exportSource = source;
    void this.exportWorker.api.setSource(source);
  }

  dispose(): void {
    this.exporter.dispose();
    this.model.dispose();
    this.exportWorker.terminate();
  }
}
