import type { BackendChoice } from '../lib/backend.ts';
import type { CancelFlag } from '../lib/cancel.ts';
import { InputError } from '../lib/errors.ts';
import type { ProgressCallback } from '../lib/progress.ts';
import { CpuOptRuntime } from '../lib/opt/cpu/cpuRuntime.ts';
import type { Tf } from '../lib/opt/cpu/tfLinear.ts';
import type { OptRuntime } from '../lib/opt/runtime.ts';
import { defaultCache } from '../lib/opt/sources/byteCache.ts';
import { loadModelFiles } from '../lib/opt/sources/loadModel.ts';
import { LocalFiles, type ModelFiles } from '../lib/opt/sources/modelFiles.ts';
import { HubRepo, UrlFolder } from '../lib/opt/sources/remoteFiles.ts';
import { summarizeModel, type ModelSummary } from '../lib/opt/summary.ts';
import type { OptTokenizer } from '../lib/opt/tokenizer/tokenizer.ts';
import type { WeightPrecision } from '../lib/util/half.ts';
import { loadOptWeights } from '../lib/opt/weights.ts';
import { formatBytes, type GpuContext } from '../kernels/gpu.ts';
import { GpuOptRuntime } from '../kernels/opt/gpuRuntime.ts';
import { openBackend } from './backend.ts';
import { describeTfWasm, tf, useTfBackend } from './tfBackend.ts';

/**
 * Opening an OPT model inside a worker: fetch its files from the chosen source (with byte progress,
 * cancel and the cache), pick the backend, and build the runtime — WebGPU (weights streamed to the
 * GPU tensor by tensor) or the CPU path (tfjs-wasm). Shared by the model page's worker and any other
 * worker that drives the layer API (the pruning module).
 */
export type ModelSourceSpec =
  | { kind: 'embedded'; baseUrl: string }
  | { kind: 'hub'; repo: string; revision: string; hubUrl?: string }
  | { kind: 'url'; url: string }
  | { kind: 'local'; files: { path: string; file: File }[] };

export interface OptModelSession {
  runtime: OptRuntime;
  tokenizer: OptTokenizer;
  summary: ModelSummary;
  backend: BackendChoice;
  source: string;
  notes: string[];
  /** On the CPU path, which tfjs-wasm build runs it ("tfjs wasm · SIMD · threads (2)"). */
  cpuEngine?: string;
  /** The WebGPU runtime's device context (absent on the CPU path): other GPU work on the same model shares it. */
  gpu?: GpuContext;
  /** Set when the GPU device was lost: later calls fail with this message. */
  lostReason?: string;
}

/** Weights (float32) the CPU path accepts: tfjs-wasm's heap is at most 4 GiB and needs room for activations. */
const CPU_PATH_MAX_BYTES = 3 * 2 ** 30;

export function modelFilesFor(spec: ModelSourceSpec, cancel: CancelFlag): ModelFiles {
  const options = { cache: defaultCache(), cancel };
  switch (spec.kind) {
    case 'embedded':
      return new UrlFolder(spec.baseUrl, { cancel }, 'the embedded mini-OPT');
    case 'hub':
      return new HubRepo(spec.repo, spec.revision, { ...options, baseUrl: spec.hubUrl });
    case 'url':
      try {
        return new UrlFolder(new URL(spec.url).href, options);
      } catch {
        throw new InputError(`"${spec.url}" is not a URL`, 'expected the address of a folder holding config.json and model.safetensors');
      }
    case 'local':
      if (spec.files.length === 0) throw new InputError('No files were chosen');
      return new LocalFiles(spec.files.map(({ path, file }) => ({ name: path, blob: file })));
  }
}

export async function openOptModel(
  spec: ModelSourceSpec,
  options: {
    backendOverride?: string | null;
    /** Storage of the weight matrices on the WebGPU path (`?weights=f16`); the CPU path is always f32. */
    weightPrecision?: WeightPrecision;
    cancel: CancelFlag;
    progress: ProgressCallback;
  },
): Promise<OptModelSession> {
  const files = modelFilesFor(spec, options.cancel);
  const loaded = await loadModelFiles(files, options.progress);
  options.cancel.throwIfCancelled();
  const summary = summarizeModel(loaded.config, loaded.weights);
  const { choice, gpu } = await openBackend(options.backendOverride);
  const onTensors = (done: number, total: number) => options.progress({ phase: 'preparing weights', done, total });
  let runtime: OptRuntime;
  let cpuEngine: string | undefined;
  if (gpu) {
    runtime = await GpuOptRuntime.load(gpu, loaded.config, { files: loaded.weights }, { onProgress: onTensors, weightPrecision: options.weightPrecision });
  } else {
    if (summary.float32Bytes > CPU_PATH_MAX_BYTES) {
      throw new InputError(
        `The model needs ${formatBytes(summary.float32Bytes)} as float32, more than the CPU path can hold`,
        `WebAssembly memory is limited to 4 GiB, and the CPU path keeps weights as float32 (at most ${formatBytes(CPU_PATH_MAX_BYTES)}); use a GPU or a smaller model`,
      );
    }
    await useTfBackend('wasm');
    cpuEngine = describeTfWasm();
    const weights = await loadOptWeights(loaded.config, loaded.weights);
    runtime = new CpuOptRuntime(tf as unknown as Tf, loaded.config, weights);
  }
  const notes = [...loaded.notes];
  if (options.weightPrecision === 'f16') {
    notes.push(gpu ? 'Weight matrices are stored on the GPU as f16 (halves read as f32; biases and norms f32).' : 'f16 weights apply to the WebGPU path only: the CPU path keeps f32.');
  }
  const session: OptModelSession = { runtime, tokenizer: loaded.tokenizer!, summary, backend: choice, source: files.label, notes, cpuEngine, gpu: gpu ?? undefined };
  void gpu?.lost.then((info) => {
    session.lostReason = `The GPU device was lost (${info.message || String(info.reason)}). Reload the model, or switch to the CPU path with ?backend=cpu.`;
  });
  return session;
}

export function checkSession(session: OptModelSession | undefined): OptModelSession {
  if (!session) throw new InputError('No model is loaded', 'load a model first');
  if (session.lostReason) throw new InputError(session.lostReason);
  return session;
}
