import { adapterLabel } from '../lib/backend.ts';
import type { GdbrConfig } from '../lib/gdbr/config.ts';
import { disposeScenario, prepareScenario, runTrials, scenarioKey, type GdbrResult, type Scenario } from '../lib/gdbr/experiment.ts';
import { runSweep, type SweepAxis, type SweepResult } from '../lib/gdbr/sweep.ts';
import { MemoryWeightCache } from '../lib/gdbr/weightCache.ts';
import { RunControl } from '../lib/train/control.ts';
import type { ImageSet } from '../lib/train/imageSet.ts';
import { fetchReader, loadMnist } from '../lib/train/mnist.ts';
import { openBackend } from './backend.ts';
import { exposeWorker, runJob, type JobPort } from './job.ts';
import { tf, useTfBackend } from './tfBackend.ts';

/**
 * The label-leakage lab's worker: TensorFlow.js on WebGPU where a hardware GPU exists, on wasm
 * otherwise (backend.ts decides; `?backend=` forces one). It keeps MNIST, the trained FedAvg stages
 * (in memory) and the last scenario, so changing only the batch size or the defense reruns at once.
 */
export interface GdbrBackendInfo {
  tfBackend: string;
  label: string;
}

let backendInfo: Promise<GdbrBackendInfo> | undefined;
let mnist: Promise<ImageSet> | undefined;
let scenario: Scenario | undefined;
const stages = new MemoryWeightCache(8);

function startBackend(override?: string | null): Promise<GdbrBackendInfo> {
  backendInfo ??= (async () => {
    const { choice, gpu } = await openBackend(override);
    gpu?.destroy(); // tfjs opens its own device
    const tfBackend = await useTfBackend(choice.backend === 'webgpu' ? 'webgpu' : 'wasm');
    const detail = tfBackend === 'webgpu'
      ? (choice.adapter ? adapterLabel(choice.adapter) : 'GPU')
      : `${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD'} · ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'threads' : 'single thread'}`;
    return { tfBackend, label: `tfjs ${tfBackend} · ${detail}` };
  })();
  return backendInfo;
}

function loadData(datasetUrl: string): Promise<ImageSet> {
  mnist ??= loadMnist(fetchReader(datasetUrl)).catch((error: unknown) => {
    mnist = undefined; // let a later call retry
    throw error;
  });
  return mnist;
}

const api = {
  backend(override?: string | null): Promise<GdbrBackendInfo> {
    return startBackend(override);
  },

  async run(config: GdbrConfig, datasetUrl: string, override: string | null, port: JobPort): Promise<GdbrResult> {
    return runJob(port, async (job) => {
      await startBackend(override);
      job.progress({ phase: 'Loading MNIST', done: 0, total: 1 });
      const data = await loadData(datasetUrl);
      const hooks = { control: new RunControl(job.cancel), progress: job.progress, cache: stages };
      if (scenario?.key !== scenarioKey(config)) {
        if (scenario) disposeScenario(scenario);
        scenario = undefined;
        scenario = await prepareScenario(data, config, hooks);
      }
      return runTrials(scenario, config, hooks);
    });
  },

  async sweep(config: GdbrConfig, axis: SweepAxis, values: number[], datasetUrl: string, override: string | null, port: JobPort): Promise<SweepResult> {
    return runJob(port, async (job) => {
      await startBackend(override);
      job.progress({ phase: 'Loading MNIST', done: 0, total: 1 });
      const data = await loadData(datasetUrl);
      return runSweep(data, config, axis, values, { control: new RunControl(job.cancel), progress: job.progress, cache: stages });
    });
  },
};

export type GdbrApi = typeof api;
exposeWorker(api);
