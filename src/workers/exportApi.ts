import type { ExportableModel, NamedFile } from '../lib/export/exportableModel.ts';
import { onnxParity, parityIds, timeOnnxSideBySide, type OnnxTiming, type ParityReport } from '../lib/export/onnxChecks.ts';
import { buildOnnxModel, type OnnxExport } from '../lib/export/onnxExport.ts';
import { createOnnxSession, type Ort, type OrtSession } from '../lib/export/onnxRuntime.ts';
import { exportSafetensors, type ExportDtype } from '../lib/export/safetensorsExport.ts';
import { magnitudeChannels, padToDense, pruneChannels } from '../lib/export/widthChanges.ts';
import { fitsInZip, zipFolder } from '../lib/export/zipFolder.ts';
import { referenceLogits } from '../lib/opt/reference.ts';
import type { PlanStep } from '../lib/progress.ts';
import { runJob, transferResult, type JobContext, type JobPort } from './job.ts';

/**
 * The export jobs, closed over a model provider so any worker that holds an OPT model can expose them:
 * export.worker.ts (the OPT model page: it loads its own copy of the page's model), or the pruning
 * worker (the model it pruned, via `exportableFromRuntime`). Files and archives are transferred.
 */
export interface ExportModelProvider {
  /** The model to export, as it is now (pruned or dense). */
  model(job: JobContext): Promise<ExportableModel>;
  /**
   * Our logits for ids [batch·seqLen] (the parity check compares ONNX Runtime with them), and what
   * computed them. Default: the float64 reference forward on the same weights.
   */
  ourLogits?(model: ExportableModel, ids: Int32Array, shape: { batch: number; seqLen: number }): Promise<{ logits: Float32Array; reference: string }>;
  /** onnxruntime-web, set up for this context (src/workers/ortWeb.ts in a worker). */
  ort(): Promise<Ort>;
}

export interface ExportedFiles {
  /** Folder name for the download ("mini-opt-pruned"). */
  folder: string;
  files: NamedFile[];
  /** The folder as one ZIP, in chunks (null when it would exceed 4 GiB). */
  zipChunks: Uint8Array[] | null;
  totalBytes: number;
  seconds: number;
}

export interface OnnxCheckRequest {
  /** Parity input: `batch` sequences of `seqLen` tokens. */
  parity: { batch: number; seqLen: number };
  /** Timing input (one prefill of batch × seqLen tokens per run). */
  timing: { batch: number; seqLen: number; budgetMs: number };
  /** Sparsity of the magnitude-pruned twin timed next to a dense model (a pruned model is timed next to its dense-shaped twin). */
  comparisonSparsity: number;
}

export interface TimedModel extends OnnxTiming {
  label: string;
  parameters: number;
  onnxBytes: number;
}

export interface OnnxCheckReport {
  parity: ParityReport;
  onnxBytes: number;
  nodes: number;
  /** Distinct value widths per layer's head groups, e.g. "64×12" or "41×3 + 40×5 + …". */
  headGroupSummary: string[];
  /** This model, and the twin it is compared with; `dense` / `pruned` say which is which. */
  timings: { dense: TimedModel; pruned: TimedModel; subject: 'dense' | 'pruned' };
  /** ONNX Runtime's wasm threads. */
  threads: number;
  seconds: number;
}

function isPruned(model: ExportableModel): boolean {
  const { config } = model;
  return config.ffnDims.some((d) => d !== config.ffnDim) || config.vDims.some((v) => v !== config.hiddenSize);
}

function parameterCount(model: ExportableModel): number {
  const w = model.weights;
  const sizes = [w.embedTokens, w.embedPositions, w.projectIn, w.projectOut, w.finalLayerNorm?.weight, w.finalLayerNorm?.bias];
  for (const layer of w.layers) {
    for (const linear of [layer.qProj, layer.kProj, layer.vProj, layer.outProj, layer.fc1, layer.fc2]) sizes.push(linear.weight, linear.bias);
    sizes.push(layer.selfAttnLayerNorm.weight, layer.selfAttnLayerNorm.bias, layer.finalLayerNorm.weight, layer.finalLayerNorm.bias);
  }
  return sizes.reduce((sum, array) => sum + (array?.length ?? 0), 0);
}

function folderName(model: ExportableModel): string {
  const base = model.label.replace(/^the /, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-|-$/g, '') || 'opt';
  return `${base}${isPruned(model) ? '-pruned' : ''}`;
}

async function defaultLogits(model: ExportableModel, ids: Int32Array, shape: { batch: number; seqLen: number }) {
  const { vocabSize } = model.config;
  const logits = new Float32Array(ids.length * vocabSize);
  for (let b = 0; b < shape.batch; b++) {
    logits.set(referenceLogits(model.config, model.weights, ids.subarray(b * shape.seqLen, (b + 1) * shape.seqLen)), b * shape.seqLen * vocabSize);
  }
  return { logits, reference: 'the float64 reference forward' };
}

function buildWithProgress(model: ExportableModel, job: JobContext, phase: string): OnnxExport {
  return buildOnnxModel(model, { cancel: job.cancel, onProgress: (done, total) => job.progress({ phase, done, total }) });
}

/** Reading the model (its name depends on the worker: a copy of the loaded model, or the pruning source). */
const READING: PlanStep = { label: 'reading the model', parts: [{ phase: 'reading the model' }, { phase: 'reading the source' }] };

export function createExportApi(provider: ExportModelProvider) {
  /** Times the model and its twin in ONNX Runtime, side by side. */
  async function timeBoth(ort: Ort, models: { model: ExportableModel; label: string; onnx?: OnnxExport }[], request: OnnxCheckRequest, job: JobContext): Promise<TimedModel[]> {
    const built = models.map(({ model, label, onnx }) => onnx ?? buildWithProgress(model, job, `building ONNX (${label})`));
    const sessions: OrtSession[] = [];
    try {
      for (const [i, { label }] of models.entries()) {
        job.progress({ phase: `starting ONNX Runtime (${label})`, done: i, total: models.length });
        sessions.push(await createOnnxSession(ort, built[i].bytes));
        job.cancel.throwIfCancelled();
      }
      const minRounds = 3;
      const timings = await timeOnnxSideBySide(ort, sessions, models[0].model.config, {
        ...request.timing,
        minRounds,
        onRound: (done) => {
          job.progress({ phase: 'timing ONNX Runtime', done: Math.min(done, minRounds), total: minRounds });
          job.cancel.throwIfCancelled();
        },
      });
      return timings.map((timing, i) => ({ ...timing, label: models[i].label, parameters: parameterCount(models[i].model), onnxBytes: built[i].bytes.byteLength }));
    } finally {
      for (const session of sessions) await session.release();
    }
  }

  return {
    /**
     * safetensors + config.json + tokenizer files. `padToDense` writes the pruned model with zero
     * channels back in dense shapes (the same function): stock `transformers` cannot load the uneven
     * per-layer and per-head widths of the compact folder, but loads this one.
     */
    async exportSafetensors(request: { dtype: ExportDtype; padToDense?: boolean }, port: JobPort): Promise<ExportedFiles> {
      return runJob(port, async (job) => {
        job.plan([READING, { label: 'writing model.safetensors' }, { label: 'packing the ZIP' }]);
        const started = performance.now();
        const compact = await provider.model(job);
        const padded = request.padToDense && isPruned(compact);
        const model = padded ? { ...compact, ...padToDense(compact) } : compact;
        job.progress({ phase: 'writing model.safetensors', done: 0, total: 1 });
        const files = exportSafetensors(model, { dtype: request.dtype });
        const folder = padded ? `${folderName(compact)}-padded` : folderName(model);
        job.progress({ phase: 'packing the ZIP', done: 0, total: 1 });
        const zipChunks = fitsInZip(files) ? zipFolder(folder, files) : null;
        const totalBytes = files.reduce((sum, file) => sum + file.bytes.byteLength, 0);
        return transferResult({ folder, files, zipChunks, totalBytes, seconds: (performance.now() - started) / 1000 });
      });
    },

    async exportOnnx(port: JobPort): Promise<ExportedFiles> {
      return runJob(port, async (job) => {
        job.plan([READING, { label: 'building the ONNX graph' }]);
        const started = performance.now();
        const model = await provider.model(job);
        const onnx = buildWithProgress(model, job, 'building the ONNX graph');
        const files = [{ name: 'model.onnx', bytes: onnx.bytes }];
        return transferResult({ folder: folderName(model), files, zipChunks: null, totalBytes: onnx.bytes.byteLength, seconds: (performance.now() - started) / 1000 });
      });
    },

    /** Builds the ONNX model, runs it in ONNX Runtime against our logits, and times it next to its dense or pruned twin. */
    async checkOnnx(request: OnnxCheckRequest, port: JobPort): Promise<OnnxCheckReport> {
      return runJob(port, async (job) => {
        job.plan([
          READING,
          { label: 'building the ONNX graph' },
          { label: 'parity check in ONNX Runtime' },
          {
            label: 'timing in ONNX Runtime',
            weight: 3,
            parts: [{ phase: 'building ONNX', prefix: true }, { phase: 'starting ONNX Runtime', prefix: true }, { phase: 'timing ONNX Runtime', weight: 3 }],
          },
        ]);
        const started = performance.now();
        const model = await provider.model(job);
        const ort = await provider.ort();
        const onnx = buildWithProgress(model, job, 'building the ONNX graph');
        job.progress({ phase: 'parity check in ONNX Runtime', done: 0, total: 2 });
        const ids = parityIds(model.config, request.parity);
        const session = await createOnnxSession(ort, onnx.bytes);
        let parity: ParityReport;
        try {
          const ours = await (provider.ourLogits ?? defaultLogits)(model, ids, request.parity);
          job.progress({ phase: 'parity check in ONNX Runtime', done: 1, total: 2 });
          parity = await onnxParity(ort, session, { ids, ...request.parity }, ours);
        } finally {
          await session.release();
        }
        job.cancel.throwIfCancelled();

        const pruned = isPruned(model);
        const subjectLabel = pruned ? 'this pruned model' : 'this model (dense)';
        const twin = pruned
          ? { ...model, ...padToDense(model) }
          : { ...model, ...pruneChannels(model, magnitudeChannels(model, request.comparisonSparsity)) };
        const twinLabel = pruned ? 'padded back to dense shapes' : `magnitude-pruned, s = ${request.comparisonSparsity}`;
        const [subject, other] = await timeBoth(ort, [{ model, label: subjectLabel, onnx }, { model: twin, label: twinLabel }], request, job);
        return {
          parity,
          onnxBytes: onnx.bytes.byteLength,
          nodes: onnx.nodes,
          headGroupSummary: onnx.headGroups.map((groups) => groups.map((g) => `${g.valueWidth}×${g.heads.length}`).join(' + ') || 'no value channels'),
          timings: pruned ? { dense: other, pruned: subject, subject: 'pruned' } : { dense: subject, pruned: other, subject: 'dense' },
          threads: ort.env.wasm.numThreads ?? 1,
          seconds: (performance.now() - started) / 1000,
        };
      });
    },
  };
}

export type ExportApi = ReturnType<typeof createExportApi>;
