import { adapterLabel, type BackendChoice } from '../lib/backend.ts';
import { checkQllConfig, type QllConfig } from '../lib/qll/config.ts';
import { prepareQllData, runQllExperiment, type QllResult } from '../lib/qll/experiment.ts';
import { ambiguousExamples } from '../lib/qll/mixing.ts';
import { RunControl } from '../lib/train/control.ts';
import type { ImageSet } from '../lib/train/imageSet.ts';
import { fetchReader, loadMnist } from '../lib/train/mnist.ts';
import type { EpochMetrics, StepMetrics } from '../lib/train/trainer.ts';
import { openBackend } from './backend.ts';
import { exposeWorker, runJob, transferResult, type JobPort } from './job.ts';
import { tf, useTfBackend } from './tfBackend.ts';

/**
 * The training worker: TensorFlow.js on WebGPU where a hardware GPU exists, on the wasm backend
 * (SIMD, threads when the page is cross-origin isolated) otherwise — the choice of backend.ts,
 * with `?backend=` to force one. It owns the data (MNIST, loaded once) and runs training jobs with
 * progress, metrics streamed to the page, pause/resume and cancel; results carry the final weights.
 */
export interface TrainBackendInfo {
  /** The tfjs backend that runs: 'webgpu' or 'wasm'. */
  tfBackend: string;
  choice: BackendChoice;
  /** Human-readable: "wasm · SIMD · 2 threads" or "webgpu · NVIDIA …". */
  label: string;
}

/** Streamed while a job runs; steps are batched so the page is not flooded. */
export interface TrainStream {
  steps(steps: Pick<StepMetrics, 'step' | 'loss'>[]): void;
  epoch(epoch: EpochMetrics): void;
}

export interface MixingExamples {
  count: number;
  height: number;
  width: number;
  /** [count, height·width] */
  pixels: Float32Array;
  classA: number[];
  classB: number[];
  lambda: number[];
  quantized: number[];
}

let backendInfo: Promise<TrainBackendInfo> | undefined;
let mnist: Promise<ImageSet> | undefined;
const controls = new Map<number, RunControl>();
const pausedBeforeStart = new Set<number>();

function startBackend(override?: string | null): Promise<TrainBackendInfo> {
  backendInfo ??= (async () => {
    const { choice, gpu } = await openBackend(override);
    gpu?.destroy(); // tfjs opens its own device
    const tfBackend = await useTfBackend(choice.backend === 'webgpu' ? 'webgpu' : 'wasm');
    return { tfBackend, choice, label: describeTfBackend(tfBackend, choice) };
  })();
  return backendInfo;
}

function describeTfBackend(tfBackend: string, choice: BackendChoice): string {
  if (tfBackend === 'webgpu') return `tfjs webgpu · ${choice.adapter ? adapterLabel(choice.adapter) : 'GPU'}`;
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'threads' : 'single thread';
  return `tfjs ${tfBackend} · ${simd} · ${threads}`;
}

function loadData(datasetUrl: string): Promise<ImageSet> {
  mnist ??= loadMnist(fetchReader(datasetUrl)).catch((error: unknown) => {
    mnist = undefined; // let a later call retry
    throw error;
  });
  return mnist;
}

const api = {
  async backend(override?: string | null): Promise<TrainBackendInfo> {
    return startBackend(override);
  },

  /** A few training images as the mixer makes them for `config`, for the examples grid. */
  async examples(config: QllConfig, datasetUrl: string, limit: number): Promise<MixingExamples> {
    const data = await loadData(datasetUrl);
    const { train } = prepareQllData(data, checkQllConfig(config));
    const chosen = ambiguousExamples(train, limit);
    const size = train.height * train.width;
    const pixels = new Float32Array(chosen.length * size);
    chosen.forEach((index, i) => pixels.set(train.pixels.subarray(index * size, (index + 1) * size), i * size));
    return transferResult({
      count: chosen.length,
      height: train.height,
      width: train.width,
      pixels,
      classA: chosen.map((i) => train.labels[i]),
      classB: chosen.map((i) => train.partnerClasses[i]),
      lambda: chosen.map((i) => train.lambdas[i]),
      quantized: chosen.map((i) => train.quantizedLabels[i]),
    });
  },

  /** One QLL run; `stream` receives step losses and epoch metrics as they happen. */
  async runQll(config: QllConfig, datasetUrl: string, override: string | null, stream: TrainStream, port: JobPort): Promise<QllResult & { backendLabel: string }> {
    return runJob(port, async (job) => {
      const info = await startBackend(override);
      job.progress({ phase: 'Loading MNIST', done: 0, total: 1 });
      const data = await loadData(datasetUrl);
      const control = new RunControl(job.cancel);
      if (pausedBeforeStart.delete(port.jobId)) control.pause();
      controls.set(port.jobId, control);
      let pending: Pick<StepMetrics, 'step' | 'loss'>[] = [];
      let lastFlushMs = 0;
      const flush = () => {
        if (pending.length) void stream.steps(pending);
        pending = [];
        lastFlushMs = performance.now();
      };
      try {
        const result = await runQllExperiment(data, checkQllConfig(config), {
          control,
          keepWeights: true,
          onStep: (step) => {
            pending.push({ step: step.step, loss: step.loss });
            if (performance.now() - lastFlushMs > 150) flush();
            job.progress({ phase: 'Training', done: step.step, total: step.totalSteps, message: `epoch ${step.epoch} of ${config.epochs}` });
          },
          onEpoch: (epoch) => {
            flush();
            void stream.epoch(epoch);
          },
        });
        flush();
        return transferResult({ ...result, backendLabel: info.label });
      } finally {
        controls.delete(port.jobId);
      }
    });
  },

  /** Pauses or resumes a job; a pause that arrives while the job is still loading waits for it. */
  pauseJob(jobId: number, paused: boolean): void {
    const control = controls.get(jobId);
    if (!control) {
      if (paused) pausedBeforeStart.add(jobId);
      else pausedBeforeStart.delete(jobId);
      return;
    }
    if (paused) control.pause();
    else control.resume();
  },
};

export type TrainApi = typeof api;
exposeWorker(api);
