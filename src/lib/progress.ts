/**
 * Progress of a long job, as workers report it and views draw it.
 * `done`/`total` count the job's own units (layers, windows, bytes); the ETA comes from the rate so far.
 */
export interface Progress {
  phase: string;
  done: number;
  total: number;
  etaSeconds?: number;
  message?: string;
  /** The whole job's progress, when the job declared its steps (see `OverallProgress`). */
  overall?: OverallState;
}

export type ProgressCallback = (progress: Progress) => void;

/**
 * Estimates time left from the average rate since the phase began, smoothed so that one slow step
 * does not make the ETA jump. `now` is injectable so tests need no clock.
 */
export class EtaEstimator {
  private startMs: number | undefined;
  private startDone = 0;
  private smoothedRate: number | undefined;

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly smoothing = 0.3,
  ) {}

  /** Seconds left, or undefined until there is a rate to go by. */
  update(done: number, total: number): number | undefined {
    const t = this.now();
    if (this.startMs === undefined) {
      this.startMs = t;
      this.startDone = done;
      return undefined;
    }
    const elapsedS = (t - this.startMs) / 1000;
    const progressed = done - this.startDone;
    if (elapsedS <= 0 || progressed <= 0) return undefined;
    const rate = progressed / elapsedS;
    this.smoothedRate =
      this.smoothedRate === undefined ? rate : this.smoothing * rate + (1 - this.smoothing) * this.smoothedRate;
    return Math.max(0, (total - done) / this.smoothedRate);
  }
}

/** Wraps a callback so each report carries an ETA; one estimator per phase. */
export function withEta(callback: ProgressCallback, now?: () => number): ProgressCallback {
  let phase: string | undefined;
  let estimator = new EtaEstimator(now);
  return (progress) => {
    if (progress.phase !== phase) {
      phase = progress.phase;
      estimator = new EtaEstimator(now);
    }
    const etaSeconds = progress.etaSeconds ?? estimator.update(progress.done, progress.total);
    callback({ ...progress, etaSeconds });
  };
}

export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '';
  if (seconds < 1) return '<1 s left';
  if (seconds < 90) return `${Math.round(seconds)} s left`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min left`;
  return `${(seconds / 3600).toFixed(1)} h left`;
}

/**
 * A job made of several steps (calibrate, prune, evaluate …) as one bar: which step of how many, the
 * fraction of the whole job, and the time left for all of it. Steps carry weights (their expected share
 * of the time); a step may consist of parts, each a phase name the job reports, with their own weights.
 */
export interface PlanStep {
  /** What the bar says for this step ("pruning"). */
  label: string;
  /** Expected share of the job's time, relative to the other steps (default 1). */
  weight?: number;
  /**
   * The phase names reported during this step, in order, with their weights; default: one part named
   * `label`. `prefix`: the part matches every phase that starts with `phase` (names with counts in them).
   */
  parts?: { phase: string; weight?: number; prefix?: boolean }[];
}

export interface OverallState {
  /** Fraction of the whole job done, 0…1; never decreases. */
  fraction: number;
  /** 1-based number of the current step. */
  step: number;
  steps: number;
  label: string;
  etaSeconds?: number;
}

interface Segment {
  step: number;
  phase: string;
  prefix: boolean;
  /** Where the segment starts and how much of the job it covers (fractions of the total weight). */
  start: number;
  share: number;
}

/**
 * Stamps each report with the job's overall progress. A report whose phase names a later part moves the
 * job there (parts skipped on the way count as done: a cached or optional step); a report naming no part
 * ahead (a sub-phase the plan does not list) keeps the current position and only updates the text.
 */
export class OverallProgress {
  private readonly segments: Segment[] = [];
  private current = 0;
  private fraction = 0;
  private readonly eta: EtaEstimator;

  constructor(
    readonly plan: readonly PlanStep[],
    now?: () => number,
  ) {
    if (plan.length === 0) throw new RangeError('A progress plan needs at least one step');
    const weights = plan.map((step) => step.weight ?? 1);
    if (weights.some((w) => !(w >= 0) || !Number.isFinite(w))) throw new RangeError('Step weights must be finite and ≥ 0');
    const totalWeight = weights.reduce((a, b) => a + b, 0) || 1;
    let start = 0;
    plan.forEach((step, index) => {
      const parts = step.parts?.length ? step.parts : [{ phase: step.label, weight: 1 }];
      const partTotal = parts.reduce((a, p) => a + (p.weight ?? 1), 0) || 1;
      for (const part of parts) {
        const share = (weights[index] / totalWeight) * ((part.weight ?? 1) / partTotal);
        this.segments.push({ step: index, phase: part.phase, prefix: part.prefix ?? false, start, share });
        start += share;
      }
    });
    this.eta = new EtaEstimator(now);
    this.eta.update(0, 1);
  }

  /** The overall state after `progress`; `step` (0-based) forces the step, for plans driven by their caller. */
  update(progress: Progress, step?: number): OverallState {
    let index = this.find(progress.phase, step);
    // A caller-driven step with a single part takes every report of that step as its own.
    const single = step !== undefined && index < 0 && this.segments.filter((s) => s.step === step).length === 1;
    if (single) index = this.segments.findIndex((s) => s.step === step);
    if (index >= this.current) {
      const segment = this.segments[index];
      this.current = index;
      const local = progress.total > 0 ? Math.min(1, Math.max(0, progress.done / progress.total)) : 0;
      this.fraction = Math.max(this.fraction, Math.min(1, segment.start + segment.share * local));
    }
    const segment = this.segments[this.current];
    return {
      fraction: this.fraction,
      step: segment.step + 1,
      steps: this.plan.length,
      label: this.plan[segment.step].label,
      etaSeconds: this.eta.update(this.fraction, 1),
    };
  }

  /** Stamps a report with `overall`. */
  stamp(progress: Progress, step?: number): Progress {
    return { ...progress, overall: this.update(progress, step) };
  }

  private find(phase: string, step: number | undefined): number {
    for (let i = this.current; i < this.segments.length; i++) {
      const segment = this.segments[i];
      const matches = segment.prefix ? phase.startsWith(segment.phase) : segment.phase === phase;
      if (matches && (step === undefined || segment.step === step)) return i;
    }
    return -1;
  }
}

/** "step 2 of 4: pruning — layer 3/4: restore" for a report with an overall state; the phase and message otherwise. */
export function describeProgress(progress: Progress): string {
  const detail = progress.message ?? '';
  if (!progress.overall) return `${progress.phase}${detail ? ` — ${detail}` : ''}`;
  const { step, steps, label } = progress.overall;
  const sub = progress.phase !== label ? progress.phase : '';
  const tail = [sub, detail].filter(Boolean).join(': ');
  return `${steps > 1 ? `step ${step} of ${steps}: ` : ''}${label}${tail ? ` — ${tail}` : ''}`;
}
