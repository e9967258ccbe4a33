import type { ExportDtype } from '../../lib/export/safetensorsExport.ts';
import type { WorkerHandle } from '../../workers/client.ts';
import type { ExportApi, ExportedFiles, OnnxCheckReport } from '../../workers/exportApi.ts';
import { JobState } from '../shared/jobState.svelte.ts';

/**
 * The export panel's state: its settings, the three jobs (safetensors, ONNX, the ONNX Runtime check)
 * on whichever worker exposes the export API, and the finished files as object URLs to download.
 */
export interface DownloadLink {
  name: string;
  url: string;
  bytes: number;
}

export class ExportPanelState {
  dtype = $state<ExportDtype>('F32');
  /** Write a pruned model in dense shapes with zero channels, so stock `transformers` loads it. */
  padToDense = $state(false);
  /** Sparsity of the magnitude-pruned twin that a dense model is timed against. */
  comparisonSparsity = $state(0.4);
  timingTokens = $state(64);
  readonly safetensors = new JobState<ExportedFiles>();
  readonly onnx = new JobState<ExportedFiles>();
  readonly check = new JobState<OnnxCheckReport>();
  /** The last export's files (and its ZIP), kept so they can be downloaded again. */
  links = $state.raw<DownloadLink[]>([]);

  constructor(private readonly worker: WorkerHandle<ExportApi>) {}

  get running(): boolean {
    return this.safetensors.running || this.onnx.running || this.check.running;
  }

  async exportSafetensors(): Promise<void> {
    const request = { dtype: this.dtype, padToDense: this.padToDense };
    await this.safetensors.run((onProgress) => this.worker.run((api, port) => api.exportSafetensors(request, port), onProgress));
    const result = this.safetensors.result;
    if (result && !this.safetensors.error) this.offer(result, result.zipChunks ? { name: `${result.folder}.zip`, parts: result.zipChunks, type: 'application/zip' } : undefined);
  }

  async exportOnnx(): Promise<void> {
    await this.onnx.run((onProgress) => this.worker.run((api, port) => api.exportOnnx(port), onProgress));
    const result = this.onnx.result;
    if (result && !this.onnx.error) this.offer(result);
  }

  async checkOnnx(): Promise<void> {
    const request = {
      parity: { batch: 2, seqLen: 16 },
      timing: { batch: 1, seqLen: this.timingTokens, budgetMs: 3000 },
      comparisonSparsity: this.comparisonSparsity,
    };
    await this.check.run((onProgress) => this.worker.run((api, port) => api.checkOnnx(request, port), onProgress));
  }

  /** Lists the files for download and starts downloading the main one (the ZIP, or the only file). */
  private offer(result: ExportedFiles, archive?: { name: string; parts: Uint8Array[]; type: string }): void {
    this.revokeLinks();
    const link = (name: string, parts: BlobPart[], type = 'application/octet-stream'): DownloadLink => {
      const blob = new Blob(parts, { type });
      return { name, url: URL.createObjectURL(blob), bytes: blob.size };
    };
    const files = result.files.map((file) => link(file.name, [file.bytes as Uint8Array<ArrayBuffer>]));
    const main = archive ? link(archive.name, archive.parts as Uint8Array<ArrayBuffer>[], archive.type) : files[0];
    this.links = archive ? [main, ...files] : files;
    const anchor = document.createElement('a');
    anchor.href = main.url;
    anchor.download = main.name;
    anchor.click();
  }

  private revokeLinks(): void {
    for (const link of this.links) URL.revokeObjectURL(link.url);
    this.links = [];
  }

  dispose(): void {
    this.revokeLinks();
  }
}
