import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, openSite, type Site } from './harness.ts';

/**
 * On a host without cross-origin isolation tfjs-wasm runs one thread, so the pruning worker adds the Gram
 * on a nested worker (src/workers/pruningStats.ts): the built site starts it, the run finishes and says
 * so, and a run after a cancelled one (which ends that worker) starts a fresh one.
 */
let site: Site;
beforeAll(async () => {
  site = await openSite({ isolated: false });
});
afterAll(async () => {
  await site?.close();
});

describe('pruning on a second thread (no cross-origin isolation)', () => {
  it('runs FASP with the Gram on a nested worker, also after a cancelled run', async () => {
    const { page, consoleErrors } = await openPage(site, '/pruning');
    await page.getByTestId('model-summary').waitFor({ timeout: 120_000 });
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(false);
    await page.getByText('Method settings and evaluation').click();
    await page.getByLabel('Perplexity budget (tokens of WikiText-2 test)').fill('512');

    await page.getByTestId('run-prune').click();
    await page.getByTestId('progress').waitFor({ timeout: 60_000 });
    await page.getByText(/layer \d+\/\d+/).first().waitFor({ timeout: 120_000 }); // inside the pipeline: the thread has work
    await page.getByRole('button', { name: /cancel/i }).first().click();
    await page.getByTestId('progress').waitFor({ state: 'detached', timeout: 60_000 });

    await page.getByTestId('run-prune').click();
    const outcome = page.getByTestId('prune-result').or(page.getByTestId('error-banner'));
    await outcome.waitFor({ timeout: 240_000 });
    const text = ((await outcome.textContent()) ?? '').replace(/\s+/g, ' ').trim();
    console.info(`[e2e] ${text}`);
    expect(text).toMatch(/FASP at s = 0\.20/);
    expect(text).toMatch(/on the CPU \(Gram on a second thread\)/);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
