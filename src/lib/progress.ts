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
