import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { describeProgress, OverallProgress, type PlanStep, type Progress } from '../../src/lib/progress.ts';

/** The prune job's plan as the pruning worker declares it (dense perplexity not cached). */
const PRUNE_PLAN: PlanStep[] = [
  { label: 'calibration data', weight: 1 },
  { label: 'dense perplexity', weight: 2, parts: [{ phase: 'warm-up', weight: 1 }, { phase: 'dense perplexity', weight: 3 }] },
  { label: 'pruning', weight: 4, parts: [{ phase: 'embed', weight: 1 }, { phase: 'allocate', weight: 1 }, { phase: 'prune', weight: 6 }] },
  { label: 'pruned perplexity', weight: 1, parts: [{ phase: 'warm-up', weight: 1 }, { phase: 'pruned perplexity', weight: 3 }] },
];

describe('overall progress of a job with steps', () => {
  it('weights the steps: half of a step of weight 1 in 1 + 3 is 12.5 %', () => {
    const overall = new OverallProgress([{ label: 'a' }, { label: 'b', weight: 3 }]);
    expect(overall.update({ phase: 'a', done: 1, total: 2 }).fraction).toBeCloseTo(0.125, 12);
    const b = overall.update({ phase: 'b', done: 1, total: 3 });
    expect(b.fraction).toBeCloseTo(0.25 + 0.75 / 3, 12);
    expect(b).toMatchObject({ step: 2, steps: 2, label: 'b' });
  });

  it('weights the parts of a step inside the step', () => {
    const overall = new OverallProgress(PRUNE_PLAN);
    overall.update({ phase: 'calibration data', done: 1, total: 1 });
    // warm-up is 1/4 of "dense perplexity", which is 2/8 of the job; calibration (1/8) is done.
    expect(overall.update({ phase: 'warm-up', done: 1, total: 1 }).fraction).toBeCloseTo(1 / 8 + 2 / 8 / 4, 12);
  });

  it('a repeated phase name goes to the next part of that name, not back to the first', () => {
    const overall = new OverallProgress(PRUNE_PLAN);
    overall.update({ phase: 'prune', done: 5, total: 10 });
    const later = overall.update({ phase: 'warm-up', done: 0, total: 1 });
    expect(later.step).toBe(4);
    expect(later.fraction).toBeCloseTo(7 / 8, 12);
  });

  it('skipped steps count as done (a cached dense perplexity, an optional part)', () => {
    const overall = new OverallProgress(PRUNE_PLAN);
    overall.update({ phase: 'calibration data', done: 1, total: 2 });
    const state = overall.update({ phase: 'embed', done: 0, total: 4 });
    expect(state.step).toBe(3);
    expect(state.fraction).toBeCloseTo(3 / 8, 12);
  });

  it('a phase the plan does not list keeps the position and the fraction', () => {
    const overall = new OverallProgress(PRUNE_PLAN);
    const before = overall.update({ phase: 'calibration data', done: 1, total: 2 });
    const after = overall.update({ phase: 'tokenizing', done: 0, total: 1 });
    expect(after.fraction).toBe(before.fraction);
    expect(after.step).toBe(1);
  });

  it('never goes backwards, whatever the reports (property)', () => {
    const phases = ['calibration data', 'warm-up', 'dense perplexity', 'embed', 'allocate', 'prune', 'pruned perplexity', 'other'];
    const report = fc.record({ phase: fc.constantFrom(...phases), done: fc.nat(20), total: fc.nat(20) });
    fc.assert(
      fc.property(fc.array(report, { maxLength: 40 }), (reports) => {
        const overall = new OverallProgress(PRUNE_PLAN);
        let last = 0;
        for (const r of reports) {
          const { fraction } = overall.update(r);
          if (fraction < last || fraction > 1 || fraction < 0) return false;
          last = fraction;
        }
        return true;
      }),
    );
  });

  it('a caller-driven plan (one run per step) takes each report as its step’s own', () => {
    const overall = new OverallProgress([{ label: 'run 1' }, { label: 'run 2' }]);
    expect(overall.update({ phase: 'Training', done: 5, total: 10 }, 0).fraction).toBeCloseTo(0.25, 12);
    const second = overall.update({ phase: 'Loading MNIST', done: 0, total: 1 }, 1);
    expect(second).toMatchObject({ step: 2, label: 'run 2' });
    expect(second.fraction).toBeCloseTo(0.5, 12);
    expect(overall.update({ phase: 'Training', done: 10, total: 10 }, 1).fraction).toBe(1);
  });

  it('estimates the time left for the whole job from the overall rate', () => {
    let now = 0;
    const overall = new OverallProgress([{ label: 'a' }, { label: 'b' }], () => now);
    now = 10_000;
    const state = overall.update({ phase: 'a', done: 1, total: 1 }); // half the job in 10 s
    expect(state.etaSeconds).toBeCloseTo(10, 6);
  });

  it('a prefix part matches phase names with counts in them', () => {
    const overall = new OverallProgress([{ label: 'load' }, { label: 'training', parts: [{ phase: 'FedAvg training', prefix: true }] }]);
    const state = overall.update({ phase: 'FedAvg training (3 rounds, 4 clients)', done: 1, total: 2 });
    expect(state).toMatchObject({ step: 2, label: 'training' });
    expect(state.fraction).toBeCloseTo(0.75, 12);
  });

  it('rejects an empty plan and bad weights', () => {
    expect(() => new OverallProgress([])).toThrow(RangeError);
    expect(() => new OverallProgress([{ label: 'a', weight: -1 }])).toThrow(RangeError);
    expect(() => new OverallProgress([{ label: 'a', weight: Number.NaN }])).toThrow(RangeError);
  });

  it('describes a report as "step n of m: step — phase: message"', () => {
    const overall = new OverallProgress(PRUNE_PLAN);
    const report: Progress = { phase: 'prune', done: 3, total: 8, message: 'layer 3/4: restore' };
    expect(describeProgress(overall.stamp(report))).toBe('step 3 of 4: pruning — prune: layer 3/4: restore');
    expect(describeProgress({ phase: 'download', done: 0, total: 1, message: 'config.json' })).toBe('download — config.json');
    const single = new OverallProgress([{ label: 'study' }]).stamp({ phase: 'study', done: 0, total: 1 });
    expect(describeProgress(single)).toBe('study');
  });
});
