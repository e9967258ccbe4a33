import type { ExportableModel } from '../lib/export/exportableModel.ts';
import { readCompanionFiles } from '../lib/export/exportableModel.ts';
import { formatBytes } from '../kernels/gpu.ts';
import { InputError } from '../lib/errors.ts';
import { loadModelFiles } from '../lib/opt/sources/loadModel.ts';
import { summarizeModel } from '../lib/opt/summary.ts';
import { loadOptWeights } from '../lib/opt/weights.ts';
import { cpuRuntimeLogits } from './cpuLogits.ts';
import { createExportApi } from './exportApi.ts';
import { exposeWorker, type JobContext } from './job.ts';
import { modelFilesFor, type ModelSourceSpec } from './optSession.ts';
import { webOrt } from './ortWeb.ts';

/**
 * The export worker of the OPT model page: told which source the page loaded, it reads its own copy of
 * the model (from the same files, cached) the first time an export needs it, and runs the export jobs
 * on it. The pruning page exposes the same jobs from its own worker instead.
 */
let source: ModelSourceSpec | undefined;
let loaded: Promise<ExportableModel> | undefined;

/**
 * Largest model (as float32) this worker exports: it holds the weights, the file being written and,
 * for the ONNX check, ONNX Runtime's copy in a wasm heap of at most 4 GiB. OPT-350M (1.3 GiB) fits.
 */
const EXPORT_MAX_FLOAT32_BYTES = 1.5 * 2 ** 30;

async function load(spec: ModelSourceSpec, job: JobContext): Promise<ExportableModel> {
  const files = modelFilesFor(spec, job.cancel);
  const model = await loadModelFiles(files, (p) => job.progress({ ...p, phase: 'reading the model' }), { requireTokenizer: false });
  job.cancel.throwIfCancelled();
  const { float32Bytes } = summarizeModel(model.config, model.weights);
  if (float32Bytes > EXPORT_MAX_FLOAT32_BYTES) {
    throw new InputError(
      `The model needs ${formatBytes(float32Bytes)} as float32, more than the export in this tab can hold (${formatBytes(EXPORT_MAX_FLOAT32_BYTES)})`,
      'export it from the command line instead: npm run cli -- export --model DIR --format safetensors|onnx --out PATH',
    );
  }
  job.progress({ phase: 'reading the model', done: 1, total: 1, message: 'weights' });
  const weights = await loadOptWeights(model.config, model.weights);
  return { config: model.config, weights, companionFiles: await readCompanionFiles(files), label: files.label };
}

const api = {
  /** The model later jobs export; the weights are read on first use. */
  setSource(spec: ModelSourceSpec): void {
    source = spec;
    loaded = undefined;
  },
  ...createExportApi({
    model(job) {
      if (!source) throw new InputError('No model is loaded', 'load a model first, then export it');
      const spec = source;
      // A failed or cancelled load is forgotten, so the next job tries again.
      loaded ??= load(spec, job).catch((error: unknown) => {
        loaded = undefined;
        throw error;
      });
      return loaded;
    },
    // Parity against the app's CPU path (tfjs-wasm).
    ourLogits: cpuRuntimeLogits,
    ort: async () => webOrt(),
  }),
};

export type ExportWorkerApi = typeof api;
exposeWorker(api);
