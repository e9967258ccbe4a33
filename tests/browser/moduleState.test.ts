import { describe, expect, it } from 'vitest';
import type { Progress } from '../../src/lib/progress.ts';
import type { RunningJob } from '../../src/workers/client.ts';
import { ArchivedRuns } from '../../src/views/shared/archivedRuns.svelte.ts';
import { TrainingQueue } from '../../src/views/train/trainingQueue.svelte.ts';

/**
 * The module stores' parts that need a browser: finished runs in IndexedDB (ArchivedRuns) and a
 * training queue's one progress bar over the runs queued together.
 */
const unique = () => `test-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

describe('ArchivedRuns (IndexedDB)', () => {
  it('a new instance (a reload) restores saved runs in order, typed arrays included; delete and delete all persist', async () => {
    const module = unique();
    const first = new ArchivedRuns<{ name: string; values: Float32Array }>(module);
    await first.ready;
    const a = first.add({ name: 'a', values: Float32Array.of(1, 2) });
    await new Promise((resolve) => setTimeout(resolve, 5)); // ids are time-ordered
    first.add({ name: 'b', values: Float32Array.of(3) });
    await new Promise((resolve) => setTimeout(resolve, 50));

    const reloaded = new ArchivedRuns<{ name: string; values: Float32Array }>(module);
    await reloaded.ready;
    expect(reloaded.items.map((item) => item.run.name)).toEqual(['a', 'b']);
    expect(reloaded.items.every((item) => item.restored)).toBe(true);
    expect(reloaded.items[0].run.values).toBeInstanceOf(Float32Array);
    expect([...reloaded.items[0].run.values]).toEqual([1, 2]);

    reloaded.remove(a);
    expect(reloaded.runs.map((run) => run.name)).toEqual(['b']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = new ArchivedRuns<{ name: string }>(module);
    await again.ready;
    expect(again.runs.map((run) => run.name)).toEqual(['b']);

    again.clear();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const empty = new ArchivedRuns<{ name: string }>(module);
    await empty.ready;
    expect(empty.items).toEqual([]);
  });

  it('a run added before the restore finished stays after the restored ones', async () => {
    const module = unique();
    const saved = new ArchivedRuns<string>(module);
    await saved.ready;
    saved.add('old');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const next = new ArchivedRuns<string>(module);
    next.add('new'); // before `ready`
    await next.ready;
    expect(next.runs).toEqual(['old', 'new']);
  });
});

describe('TrainingQueue progress', () => {
  it('one bar over the runs queued together: never backwards, "step n of m", a finished hook per run', async () => {
    const finishers: (() => void)[] = [];
    const reporters: ((p: Progress) => void)[] = [];
    const finished: string[] = [];
    const queue = new TrainingQueue<{ n: number }, number>(
      (config, _stream, onProgress) => {
        reporters.push(onProgress);
        let resolve: (value: number) => void = () => {};
        const result = new Promise<number>((r) => (resolve = r));
        finishers.push(() => resolve(config.n));
        return { jobId: config.n, result, cancel: () => {} } satisfies RunningJob<number>;
      },
      async () => {},
      (run) => finished.push(run.name),
    );
    queue.enqueue('first', { n: 1 });
    queue.enqueue('second', { n: 2 });
    const seen: number[] = [];
    const report = (p: Progress) => {
      reporters.at(-1)!(p);
      seen.push(queue.progress!.overall!.fraction);
    };
    report({ phase: 'Loading MNIST', done: 0, total: 1 });
    report({ phase: 'Training', done: 5, total: 10 });
    expect(queue.progress?.overall).toMatchObject({ step: 1, steps: 2, label: 'first' });
    expect(seen.at(-1)).toBeCloseTo(0.25, 12);
    finishers[0]();
    await expect.poll(() => reporters.length).toBe(2);
    report({ phase: 'Loading MNIST', done: 0, total: 1 });
    report({ phase: 'Training', done: 10, total: 10 });
    expect(queue.progress?.overall).toMatchObject({ step: 2, steps: 2, label: 'second' });
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    expect(seen.at(-1)).toBe(1);
    finishers[1]();
    await expect.poll(() => queue.running).toBe(false);
    expect(finished).toEqual(['first', 'second']);
    expect(queue.progress).toBeUndefined();
  });
});
