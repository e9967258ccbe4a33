/**
 * The three scores of label recovery, each in [0, 1], from the true and the recovered counts of one
 * batch (Ma et al. 2023, iLRG, define the first two; the third is the instance recovery).
 */
export interface RecoveryMetrics {
  /** Share of classes whose presence (count > 0) the attack got right (LeAcc). */
  labelExistence: number;
  /** Share of classes whose count the attack got exactly right (LnAcc). */
  labelNumber: number;
  /** Σ_c min(k̂_c, k_c) / B: the share of the batch's labels recovered. */
  instanceRecovery: number;
}

export const METRIC_NAMES = ['labelExistence', 'labelNumber', 'instanceRecovery'] as const satisfies readonly (keyof RecoveryMetrics)[];

export const METRIC_LABELS: Record<keyof RecoveryMetrics, string> = {
  labelExistence: 'Label existence acc.',
  labelNumber: 'Label number acc.',
  instanceRecovery: 'Instance recovery',
};

/** `present`, when given, is the attack's own label-existence answer (iLRG's); otherwise a class is
 *  called present when its recovered count is > 0. */
export function recoveryMetrics(truth: ArrayLike<number>, recovered: ArrayLike<number>, present?: readonly boolean[]): RecoveryMetrics {
  const classes = truth.length;
  if (classes === 0) throw new RangeError('recoveryMetrics: no classes');
  if (recovered.length !== classes) throw new RangeError(`recoveryMetrics: ${recovered.length} recovered counts for ${classes} classes`);
  if (present && present.length !== classes) throw new RangeError(`recoveryMetrics: ${present.length} presence flags for ${classes} classes`);
  let existence = 0;
  let exact = 0;
  let matched = 0;
  let batch = 0;
  for (let c = 0; c < classes; c++) {
    if (truth[c] > 0 === (present ? present[c] : recovered[c] > 0)) existence++;
    if (truth[c] === recovered[c]) exact++;
    matched += Math.min(truth[c], recovered[c]);
    batch += truth[c];
  }
  if (!(batch > 0)) throw new RangeError('recoveryMetrics: the true batch is empty');
  return { labelExistence: existence / classes, labelNumber: exact / classes, instanceRecovery: matched / batch };
}

export interface MetricSummary {
  mean: number;
  /** Sample standard deviation over trials (0 for one trial). */
  std: number;
}

/** Mean and standard deviation of each metric over trials. */
export function summarizeMetrics(trials: readonly RecoveryMetrics[]): Record<keyof RecoveryMetrics, MetricSummary> {
  if (trials.length === 0) throw new RangeError('summarizeMetrics: no trials');
  const summary = {} as Record<keyof RecoveryMetrics, MetricSummary>;
  for (const name of METRIC_NAMES) {
    const values = trials.map((trial) => trial[name]);
    const mean = values.reduce((acc, value) => acc + value, 0) / values.length;
    const variance = values.length > 1 ? values.reduce((acc, value) => acc + (value - mean) ** 2, 0) / (values.length - 1) : 0;
    summary[name] = { mean, std: Math.sqrt(variance) };
  }
  return summary;
}
