import { describe, expect, it } from 'vitest';
import { isCancelled } from '../../src/lib/errors.ts';
import type { Progress } from '../../src/lib/progress.ts';
import { WorkerHandle } from '../../src/workers/client.ts';
import type { DemoApi } from './fixtures/demo.worker.ts';

function demoWorker() {
  return new WorkerHandle<DemoApi>(() => new Worker(new URL('./fixtures/demo.worker.ts', import.meta.url), { type: 'module' }));
}

describe('worker plumbing', () => {
  it('an InputError keeps its name, message and detail across the worker boundary', async () => {
    const handle = demoWorker();
    const error = (await handle.api.failWithInputError().then(
      () => undefined,
      (e: unknown) => e,
    )) as Error & { detail?: string };
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('InputError');
    expect(error.message).toBe('model.safetensors is truncated');
    expect(error.detail).toBe('header says 4096 bytes, file has 100');
    handle.terminate();
  });

  it('streams progress to the page and returns the result', async () => {
    const handle = demoWorker();
    const seen: Progress[] = [];
    const job = handle.run((api, port) => api.count(20, port), (p) => seen.push(p));
    expect(await job.result).toBe(20);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toMatchObject({ phase: 'counting', done: 20, total: 20 });
    handle.terminate();
  });

  it('a cancelled job stops at its next checkpoint with Cancelled', async () => {
    const handle = demoWorker();
    const job = handle.run((api, port) => api.count(10_000, port));
    setTimeout(() => job.cancel(), 50);
    const error = await job.result.catch((e: unknown) => e);
    expect(isCancelled(error)).toBe(true);
    expect(await handle.api.ping()).toBe('pong');
    handle.terminate();
  });

  it('a job stuck in a synchronous loop is stopped by terminating the worker, which then restarts', async () => {
    const handle = demoWorker();
    const job = handle.run((api, port) => api.spinForever(port));
    job.cancel(100);
    const error = await job.result.catch((e: unknown) => e);
    expect(isCancelled(error)).toBe(true);
    expect(await handle.api.ping()).toBe('pong');
    handle.terminate();
  });

  it('transfers large arrays instead of copying them', async () => {
    const handle = demoWorker();
    const { data, length } = await handle.api.makeArray(1000);
    expect(length).toBe(1000);
    expect(data).toBeInstanceOf(Float32Array);
    expect(data[999]).toBe(999);
    handle.terminate();
  });
});
