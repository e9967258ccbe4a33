import type { PruneMethodName } from '../../lib/pruning/methods.ts';
import type { Progress } from '../../lib/progress.ts';

/**
 * The sparsity sweep: one prune run per (sparsity, method), run one after another as a queue. The
 * plan goes sparsity by sparsity (every method at 0.1, then every method at 0.2 …) so the curves of all
 * chosen methods grow together while it runs. A failed run is counted and the queue goes on; a cancel
 * stops the run in flight (the caller cancels its job) and the rest of the queue.
 */
export interface SweepSettings {
  methods: PruneMethodName[];
  from: number;
  to: number;
  step: number;
}

export interface SweepItem {
  method: PruneMethodName;
  sparsity: number;
}

export const DEFAULT_SWEEP: SweepSettings = { methods: ['fasp', 'wanda-sp'], from: 0.1, to: 0.7, step: 0.1 };

/** The largest sparsity a run accepts (the page's slider and the pipeline's check). */
export const MAX_SPARSITY = 0.9;

/** from, from + step, … up to `to` (inclusive, to 1e-9), rounded to 4 decimals so 0.1 + 0.2 is 0.3. */
export function sweepSparsities(from: number, to: number, step: number): number[] {
  if (!(step > 0 && Number.isFinite(step))) throw new RangeError(`the sweep's step must be > 0, got ${step}`);
  if (!(from > 0 && to <= MAX_SPARSITY && from <= to)) throw new RangeError(`the sweep must go from a sparsity > 0 up to one ≤ ${MAX_SPARSITY}, got ${from} to ${to}`);
  const count = Math.floor((to - from) / step + 1e-9) + 1;
  return Array.from({ length: count }, (_, i) => Math.round((from + i * step) * 1e4) / 1e4);
}

export function sweepPlan(settings: SweepSettings): SweepItem[] {
  if (settings.methods.length === 0) throw new RangeError('choose at least one method for the sweep');
  return sweepSparsities(settings.from, settings.to, settings.step).flatMap((sparsity) => settings.methods.map((method) => ({ method, sparsity })));
}

export interface SweepStatus {
  total: number;
  /** Runs finished (successfully or not). */
  finished: number;
  failed: number;
  current?: SweepItem;
  cancelled: boolean;
}

/**
 * The whole sweep as one progress: finished runs plus the share of the run in flight, and the time
 * left at the rate so far (`elapsedSeconds` since the sweep began).
 */
export function sweepProgress(status: SweepStatus, current?: Progress, elapsedSeconds?: number): Progress {
  const share = current && current.total > 0 ? Math.min(1, current.done / current.total) : 0;
  const item = status.current;
  const done = status.finished + share;
  const step = `run ${Math.min(status.finished + 1, status.total)} of ${status.total}`;
  return {
    phase: item ? `sweep ${step}: ${item.method} at s = ${item.sparsity.toFixed(2)}` : `sweep ${step}`,
    done,
    total: status.total,
    etaSeconds: elapsedSeconds !== undefined && done > 0 ? (elapsedSeconds * (status.total - done)) / done : undefined,
    message: current ? `${current.phase} ${Math.round(current.done)}/${current.total}` : undefined,
  };
}

export interface SweepHooks<R> {
  /** Runs one item; its failure is counted and the queue goes on. */
  runOne(item: SweepItem, index: number): Promise<R>;
  /** Checked before each run: true stops the queue. */
  cancelled(): boolean;
  onStatus?(status: SweepStatus): void;
  onResult?(item: SweepItem, result: R): void;
}

/** Runs the plan in order; resolves with the final status. */
export async function runSweep<R>(plan: readonly SweepItem[], hooks: SweepHooks<R>): Promise<SweepStatus> {
  const status: SweepStatus = { total: plan.length, finished: 0, failed: 0, cancelled: false };
  const report = () => hooks.onStatus?.({ ...status });
  for (const [index, item] of plan.entries()) {
    if (hooks.cancelled()) {
      status.cancelled = true;
      break;
    }
    status.current = item;
    report();
    try {
      const result = await hooks.runOne(item, index);
      hooks.onResult?.(item, result);
    } catch {
      // A run that ends because the sweep was cancelled is not a failure.
      if (hooks.cancelled()) {
        status.cancelled = true;
        break;
      }
      status.failed++;
    }
    status.finished++;
  }
  status.current = undefined;
  report();
  return status;
}
