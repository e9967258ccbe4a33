import { checkQllConfig, type QllConfig } from '../lib/qll/config.ts';
import { prepareQllData, runQllExperiment, type QllResult } from '../lib/qll/experiment.ts';
import { ambiguousExamples } from '../lib/qll/mixing.ts';
import { RunControl } from '../lib/train/control.ts';
import type { EpochMetrics, StepMetrics } from '../lib/train/trainer.ts';
import { exposeWorker, runJob, transferResult, type JobPort } from './job.ts';
import { loadMnistOnce } from './mnistOnce.ts';
import { startTfBackend, type TfBackendInfo } from './tfBackend.ts';

/**
 * The training worker: TensorFlow.js on WebGPU where a hardware GPU exists, on the wasm backend
 * (SIMD, threads when the page is cross-origin isolated) otherwise — the choice of backend.ts,
 * with `?backend=` to force one. It owns the data (MNIST, loaded once) and runs training jobs with
 * progress, metrics streamed to the page, pause/resume and cancel; results carry the final weights.
 */
export type TrainBackendInfo = TfBackendInfo;

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

const controls = new Map<number, RunControl>();
const pausedBeforeStart = new Set<number>();

const api = {
  async backend(override?: string | null): Promise<TrainBackendInfo> {
    return startTfBackend(override);
  },

  /** A few training images as the mixer makes them for `config`, for the examples grid. */
  async examples(config: QllConfig, datasetUrl: string, limit: number): Promise<MixingExamples> {
    const data = await loadMnistOnce(datasetUrl);
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
      const info = await startTfBackend(override);
      job.progress({ phase: 'Loading MNIST', done: 0, total: 1 });
      const data = await loadMnistOnce(datasetUrl);
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
