import { neverCancelled, type CancelFlag } from '../../cancel.ts';
import type { ProgressCallback } from '../../progress.ts';
import type { CalibrationSet } from '../build.ts';
import type { CalibrationRequest } from '../settings.ts';
import type { StudyCellResult } from './aggregate.ts';
import { calibrationJobs, cellCount, checkStudySpec, studySourceLabel, type StudyMethod, type StudySpec } from './grid.ts';

/** One pruning run of the study: a method at a sparsity, calibrated on these windows. */
export interface PruneJob {
  method: StudyMethod;
  sparsity: number;
  windows: Int32Array[];
  seqlen: number;
  /** The calibration set, for result lines. */
  label: string;
}

export interface PrunedScores {
  wikitextTestPpl: number;
  c4Ppl: number;
  /** Share of all parameters removed, where the pruner knows it. */
  paramsRemoved: number | null;
}

/**
 * What the study needs from its surroundings: the CLI script, the page's worker and the unit tests
 * each provide one. `pruneAndScore` prunes a fresh dense copy of the model (pruning changes a model in
 * place) and scores it; `buildSet` builds calibration sets with the dense model.
 */
export interface StudyEnvironment {
  buildSet(request: CalibrationRequest, progress: ProgressCallback, cancel: CancelFlag): Promise<CalibrationSet>;
  pruneAndScore(job: PruneJob, progress: ProgressCallback, cancel: CancelFlag): Promise<PrunedScores>;
}

export interface RunStudyOptions {
  progress?: ProgressCallback;
  cancel?: CancelFlag;
  /** Each calibration set as soon as it is built (a page shows its samples). */
  onSet?: (set: CalibrationSet, sourceKey: string) => void;
  /** Each cell's result as soon as it is measured: a cancelled study keeps what it measured. */
  onResult?: (result: StudyCellResult) => void;
  /** Fewest seeds accepted (the study uses 5; a quick look may use fewer). */
  minSeeds?: number;
}

/**
 * Runs the study's queue: for each (source, seed) one calibration set, then every (sparsity, method)
 * cell pruned with it. Progress counts calibration sets and cells together as the units of one phase,
 * so its ETA is the whole study's.
 */
export async function runStudy(spec: StudySpec, environment: StudyEnvironment, options: RunStudyOptions = {}): Promise<StudyCellResult[]> {
  checkStudySpec(spec, { minSeeds: options.minSeeds });
  const progress = options.progress ?? (() => {});
  const cancel = options.cancel ?? neverCancelled;
  const jobs = calibrationJobs(spec);
  const total = jobs.length + cellCount(spec);
  let done = 0;
  const report = (fraction: number, message: string) => progress({ phase: 'study', done: done + Math.min(1, Math.max(0, fraction)), total, message });
  const results: StudyCellResult[] = [];
  for (const job of jobs) {
    const label = studySourceLabel(job.source);
    const setMessage = `${label}, seed ${job.seed}: calibration set`;
    report(0, setMessage);
    const set = await environment.buildSet(
      { source: job.source.source, nsamples: spec.nsamples, seqlen: spec.seqlen, seed: job.seed },
      (p) => report(p.total > 0 ? p.done / p.total : 0, `${setMessage} (${p.phase})`),
      cancel,
    );
    cancel.throwIfCancelled();
    options.onSet?.(set, job.source.key);
    done++;
    for (const cell of job.cells) {
      const message = `${label}, seed ${cell.seed}: ${cell.method} at ${Math.round(cell.sparsity * 100)} %`;
      report(0, message);
      const started = performance.now();
      const scores = await environment.pruneAndScore(
        { method: cell.method, sparsity: cell.sparsity, windows: set.windows, seqlen: spec.seqlen, label: `${label}, seed ${cell.seed}` },
        (p) => report(p.total > 0 ? p.done / p.total : 0, `${message} (${p.phase})`),
        cancel,
      );
      const result: StudyCellResult = { ...cell, sourceLabel: label, ...scores, seconds: (performance.now() - started) / 1000 };
      results.push(result);
      options.onResult?.(result);
      done++;
      cancel.throwIfCancelled();
    }
  }
  progress({ phase: 'study', done: total, total });
  return results;
}
