import { describe, expect, it } from 'vitest';
import { compareSpeeds, describeSpeed, interleavedOrder, spread } from '../../src/lib/pruning/speedComparison.ts';
import { runSweep, sweepPlan, sweepProgress, sweepSparsities, type SweepItem, type SweepStatus } from '../../src/views/pruning/sweepQueue.ts';

/** The pruning page's speed summary (interleaved timings, "no measurable difference") and its sparsity sweep queue. */
describe('the speed comparison', () => {
  it('times dense and pruned alternately, dense first', () => {
    expect(interleavedOrder(3)).toEqual(['dense', 'pruned', 'dense', 'pruned', 'dense', 'pruned']);
    expect(() => interleavedOrder(0)).toThrow(RangeError);
  });

  it('spread is the median (middle pair averaged), min and max', () => {
    expect(spread([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, n: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, n: 4 });
    expect(() => spread([])).toThrow(RangeError);
    expect(() => spread([1, NaN])).toThrow(RangeError);
  });

  it('says "no measurable difference" when the ranges overlap, even if the medians differ', () => {
    // The page's three identical runs once read 0.94×, 1.06× and 0.91×: noise, not speed.
    const speed = compareSpeeds([1000, 1060, 940], [1010, 910, 1050]);
    expect(speed.measurable).toBe(false);
    expect(speed.ratio).toBeCloseTo(1010 / 1000, 12);
    expect(describeSpeed(speed)).toMatch(/^no measurable difference/);
    // Touching ranges overlap too.
    expect(compareSpeeds([100, 110], [110, 120]).measurable).toBe(false);
  });

  it('gives the ratio and its range when the ranges are apart', () => {
    const speed = compareSpeeds([100, 105, 98], [150, 160, 140]);
    expect(speed.measurable).toBe(true);
    expect(speed.ratio).toBeCloseTo(150 / 100, 12);
    expect(speed.ratioMin).toBeCloseTo(140 / 105, 12);
    expect(speed.ratioMax).toBeCloseTo(160 / 98, 12);
    expect(describeSpeed(speed)).toMatch(/^1\.50× the dense model's tokens\/s \(1\.33–1\.63×\)/);
    expect(compareSpeeds([100, 105], [50, 60]).ratio).toBeLessThan(1);
  });
});

describe('the sparsity sweep', () => {
  it('lists the sparsities from → to by step without float drift', () => {
    expect(sweepSparsities(0.1, 0.7, 0.1)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    expect(sweepSparsities(0.2, 0.5, 0.2)).toEqual([0.2, 0.4]);
    expect(sweepSparsities(0.3, 0.3, 0.1)).toEqual([0.3]);
    expect(() => sweepSparsities(0, 0.5, 0.1)).toThrow(RangeError);
    expect(() => sweepSparsities(0.1, 0.95, 0.1)).toThrow(RangeError);
    expect(() => sweepSparsities(0.5, 0.1, 0.1)).toThrow(RangeError);
    expect(() => sweepSparsities(0.1, 0.5, 0)).toThrow(RangeError);
  });

  it('plans sparsity by sparsity, every chosen method at each', () => {
    expect(sweepPlan({ methods: ['fasp', 'magnitude'], from: 0.1, to: 0.2, step: 0.1 })).toEqual([
      { method: 'fasp', sparsity: 0.1 },
      { method: 'magnitude', sparsity: 0.1 },
      { method: 'fasp', sparsity: 0.2 },
      { method: 'magnitude', sparsity: 0.2 },
    ]);
    expect(() => sweepPlan({ methods: [], from: 0.1, to: 0.2, step: 0.1 })).toThrow(/at least one method/);
  });

  it('runs the queue in order, counts a failure and goes on, and reports each result', async () => {
    const plan = sweepPlan({ methods: ['fasp'], from: 0.1, to: 0.3, step: 0.1 });
    const ran: SweepItem[] = [];
    const results: number[] = [];
    const statuses: SweepStatus[] = [];
    const final = await runSweep(plan, {
      runOne: async (item) => {
        ran.push(item);
        if (item.sparsity === 0.2) throw new Error('out of memory');
        return item.sparsity * 10;
      },
      cancelled: () => false,
      onStatus: (status) => statuses.push(status),
      onResult: (_, result) => results.push(result),
    });
    expect(ran).toEqual(plan);
    expect(results).toEqual([1, 3]);
    expect(final).toEqual({ total: 3, finished: 3, failed: 1, cancelled: false, current: undefined });
    expect(statuses.map((s) => s.current?.sparsity)).toEqual([0.1, 0.2, 0.3, undefined]);
  });

  it('stops on cancel: the run in flight is not a failure and the rest never starts', async () => {
    const plan = sweepPlan({ methods: ['fasp', 'random'], from: 0.1, to: 0.2, step: 0.1 });
    let cancelled = false;
    const ran: SweepItem[] = [];
    const final = await runSweep(plan, {
      runOne: async (item) => {
        ran.push(item);
        if (ran.length === 2) {
          cancelled = true;
          throw Object.assign(new Error('Cancelled'), { name: 'Cancelled' });
        }
        return 0;
      },
      cancelled: () => cancelled,
    });
    expect(ran).toHaveLength(2);
    expect(final).toMatchObject({ total: 4, finished: 1, failed: 0, cancelled: true });
  });

  it('shows the whole sweep as one progress: finished runs plus the share of the current one, with a time left', () => {
    const status: SweepStatus = { total: 4, finished: 1, failed: 0, cancelled: false, current: { method: 'fasp', sparsity: 0.2 } };
    const progress = sweepProgress(status, { phase: 'pruning', done: 2, total: 4 }, 30);
    expect(progress.done).toBeCloseTo(1.5, 12);
    expect(progress.total).toBe(4);
    expect(progress.phase).toBe('sweep run 2 of 4: fasp at s = 0.20');
    expect(progress.etaSeconds).toBeCloseTo((30 * 2.5) / 1.5, 9);
    expect(sweepProgress({ ...status, finished: 0 }, undefined, 5).etaSeconds).toBeUndefined();
  });
});
