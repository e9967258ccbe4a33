import { describe, expect, it } from 'vitest';
import { createOptApi, type SessionHolder } from '../../src/workers/optApi.ts';
import type { OptModelSession } from '../../src/workers/optSession.ts';

/**
 * Issue 13, item 2: a model load that fails (here: the host cannot be reached, as when offline) keeps
 * the model already loaded in the worker — it is neither disposed nor forgotten.
 */
describe('the OPT worker API', () => {
  it('keeps the loaded model when loading another one fails', async () => {
    let disposed = 0;
    const working = { runtime: { dispose: () => disposed++ }, source: 'the working model' } as unknown as OptModelSession;
    const holder: SessionHolder = { session: working };
    const api = createOptApi(holder);
    await expect(api.loadModel({ kind: 'url', url: 'http://127.0.0.1:9/model/' }, 'cpu', { jobId: 1 })).rejects.toThrow(/Could not reach/);
    expect(holder.session).toBe(working);
    expect(disposed).toBe(0);
  });
});
