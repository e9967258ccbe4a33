import type { Tf } from '../lib/brain/decoders.ts';
import { runBrainExperiment, type BrainConfig, type BrainResult } from '../lib/brain/experiment.ts';
import { importDataset, type NamedFile } from '../lib/brain/importData.ts';
import type { Sheet } from '../lib/brain/sheet.ts';
import { registerWasmConvFilterGrad } from '../lib/train/wasmConvFilterGrad.ts';
import { exposeWorker, runJob, type JobPort } from './job.ts';
import { loadMnistOnce } from './mnistOnce.ts';
import { startTfBackend, tf } from './tfBackend.ts';

/**
 * The brain-decoding lab's worker: simulated subjects on the shipped MNIST digits (or the user's imported
 * responses), decoders trained in tfjs on the backend backend.ts chooses (webgpu on a hardware adapter,
 * wasm otherwise; `?backend=` forces one). Cancel is checked at every training step.
 */
async function start(override: string | null): Promise<{ tf: Tf; label: string }> {
  const info = await startTfBackend(override);
  if (info.tfBackend === 'wasm') registerWasmConvFilterGrad(); // tfjs-wasm lacks the CNN's filter gradient
  return { tf: tf as unknown as Tf, label: info.label };
}

const api = {
  async run(config: BrainConfig, datasetUrl: string, override: string | null, port: JobPort): Promise<BrainResult> {
    return runJob(port, async (job) => {
      const { tf: lib, label } = await start(override);
      job.progress({ phase: 'loading MNIST', done: 0, total: 1 });
      const images = await loadMnistOnce(datasetUrl);
      const result = await runBrainExperiment(lib, config, { kind: 'mnist', images }, {
        onProgress: (progress) => {
          job.cancel.throwIfCancelled();
          job.progress(progress);
        },
      });
      return { ...result, compute: label };
    });
  },
  async runImported(config: BrainConfig, files: { features: NamedFile; subjects: NamedFile[]; sheet?: Sheet }, override: string | null, port: JobPort): Promise<BrainResult> {
    return runJob(port, async (job) => {
      const { tf: lib, label } = await start(override);
      const dataset = importDataset(files);
      const result = await runBrainExperiment(lib, config, { kind: 'data', dataset }, {
        onProgress: (progress) => {
          job.cancel.throwIfCancelled();
          job.progress(progress);
        },
      });
      return { ...result, compute: label };
    });
  },
};

export type BrainApi = typeof api;
exposeWorker(api);
