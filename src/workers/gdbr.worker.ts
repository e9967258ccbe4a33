import type { GdbrConfig } from '../lib/gdbr/config.ts';
import { disposeScenario, prepareScenario, runTrials, scenarioKey, type GdbrResult, type Scenario } from '../lib/gdbr/experiment.ts';
import { runSweep, SWEEP_AXES, type SweepAxis, type SweepResult } from '../lib/gdbr/sweep.ts';
import { MemoryWeightCache } from '../lib/gdbr/weightCache.ts';
import { RunControl } from '../lib/train/control.ts';
import { exposeWorker, runJob, type JobPort } from './job.ts';
import { loadMnistOnce } from './mnistOnce.ts';
import { startTfBackend, type TfBackendInfo } from './tfBackend.ts';

/**
 * The label-leakage lab's worker: TensorFlow.js on WebGPU where a hardware GPU exists, on wasm
 * otherwise (backend.ts decides; `?backend=` forces one). It keeps MNIST, the trained FedAvg stages
 * (in memory) and the last scenario, so changing only the batch size or the defense reruns at once.
 */
export type GdbrBackendInfo = TfBackendInfo;

let scenario: Scenario | undefined;
const stages = new MemoryWeightCache(8);

const api = {
  backend(override?: string | null): Promise<GdbrBackendInfo> {
    return startTfBackend(override);
  },

  async run(config: GdbrConfig, datasetUrl: string, override: string | null, port: JobPort): Promise<GdbrResult> {
    return runJob(port, async (job) => {
      job.plan([{ label: 'Loading MNIST' }, ...experimentSteps('')]);
      await startTfBackend(override);
      job.progress({ phase: 'Loading MNIST', done: 0, total: 1 });
      const data = await loadMnistOnce(datasetUrl);
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
      // One step per swept value; each value's phases are named "i/n (label = value): phase" by runSweep.
      const label = SWEEP_AXES[axis].label;
      job.plan([
        { label: 'Loading MNIST', weight: 0.2 },
        ...values.map((value, i) => ({ label: `${label} = ${value}`, parts: experimentSteps(`${i + 1}/${values.length} (${label} = ${value}): `).flatMap((step) => step.parts) })),
      ]);
      await startTfBackend(override);
      job.progress({ phase: 'Loading MNIST', done: 0, total: 1 });
      const data = await loadMnistOnce(datasetUrl);
      return runSweep(data, config, axis, values, { control: new RunControl(job.cancel), progress: job.progress, cache: stages });
    });
  },
};

/**
 * One experiment's steps for the progress bar: FedAvg training (skipped when its weights are cached),
 * the auxiliary statistics, the trials. `prefix` is what runSweep puts before each phase name.
 */
function experimentSteps(prefix: string) {
  return [
    { label: 'FedAvg training', weight: 5, parts: [{ phase: `${prefix}FedAvg training`, prefix: true }] },
    { label: 'Auxiliary statistics', weight: 1, parts: [{ phase: `${prefix}Auxiliary statistics` }] },
    { label: 'Trials', weight: 4, parts: [{ phase: `${prefix}Trials` }] },
  ];
}

export type GdbrApi = typeof api;
exposeWorker(api);
