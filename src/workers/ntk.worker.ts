import { runNtkExperiment, type NtkConfig, type NtkResult } from '../lib/ntk/experiment.ts';
import { trainNetworkTf } from '../lib/ntk/networkTf.ts';
import { exposeWorker, runJob, type JobPort } from './job.ts';
import { startTfBackend, tf } from './tfBackend.ts';

/**
 * The NTK lab's worker: the network trains in tfjs on the backend backend.ts chooses (webgpu on a
 * hardware adapter, wasm otherwise; `?backend=` forces one); kernel GD runs in typed-array loops
 * (src/lib/ntk). Cancel is checked at every GD step through the progress callback.
 */
const api = {
  async run(config: NtkConfig, override: string | null, port: JobPort): Promise<NtkResult> {
    return runJob(port, async (job) => {
      const info = await startTfBackend(override);
      const result = await runNtkExperiment(config, {
        trainer: (options) => trainNetworkTf(tf, options),
        onProgress: (progress) => {
          job.cancel.throwIfCancelled();
          job.progress(progress);
        },
      });
      return { ...result, compute: `network: ${info.label}; kernel GD: typed arrays` };
    });
  },
};

export type NtkApi = typeof api;
exposeWorker(api);
