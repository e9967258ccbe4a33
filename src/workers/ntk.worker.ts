import { runNtkExperiment, type NtkConfig, type NtkResult } from '../lib/ntk/experiment.ts';
import { exposeWorker, runJob, type JobPort } from './job.ts';

/**
 * The NTK lab's worker: the CPU path (typed-array loops in src/lib/ntk) for the network and kernel GD.
 * Cancel is checked at every GD step through the progress callback.
 */
const api = {
  async run(config: NtkConfig, port: JobPort): Promise<NtkResult> {
    return runJob(port, async (job) =>
      runNtkExperiment(config, (progress) => {
        job.cancel.throwIfCancelled();
        job.progress(progress);
      }),
    );
  },
};

export type NtkApi = typeof api;
exposeWorker(api);
