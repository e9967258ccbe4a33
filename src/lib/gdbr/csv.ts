import { toCsv } from '../util/csv.ts';
import { METRIC_NAMES } from './metrics.ts';
import type { AttackSummary, GdbrResult } from './experiment.ts';
import type { SweepResult } from './sweep.ts';

/** The lab's downloads: every trial of a run, or every point of a sweep, one attack per row. */
export function trialsCsv(result: GdbrResult): string {
  const classes = result.trials[0]?.truth.length ?? 0;
  const classColumns = (prefix: string) => Array.from({ length: classes }, (_, c) => `${prefix}_${c}`);
  const header = ['trial', 'attack', 'mode', ...METRIC_NAMES, ...classColumns('true'), ...classColumns('recovered')];
  const rows = result.trials.flatMap((trial) =>
    trial.outcomes.map((outcome) => [trial.trial, outcome.attack, outcome.mode, ...METRIC_NAMES.map((name) => outcome.metrics[name]), ...trial.truth, ...outcome.counts]),
  );
  return toCsv(header, rows);
}

export function sweepCsv(sweep: SweepResult): string {
  const header = [sweep.axis, 'attack', 'mode', 'model_accuracy', ...METRIC_NAMES.flatMap((name) => [`${name}_mean`, `${name}_std`])];
  const rows = sweep.points.flatMap((point) => point.summaries.map((summary) => [point.value, summary.attack, summary.mode, point.testAccuracy, ...summaryCells(summary)]));
  return toCsv(header, rows);
}

function summaryCells(summary: AttackSummary): number[] {
  return METRIC_NAMES.flatMap((name) => [summary.metrics[name].mean, summary.metrics[name].std]);
}
