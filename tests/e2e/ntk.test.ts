import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, openSite, screenshot, type Site } from './harness.ts';

/** The NTK page on the built site: its default preset runs to the end in the worker and shows its charts. */
let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

describe('/ntk', () => {
  it('runs the default preset to the end and shows its charts', async () => {
    const { page, consoleErrors, foreignRequests } = await openPage(site, '/ntk');
    await page.getByTestId('run').click();
    const result = page.getByTestId('ntk-result');
    await result.waitFor({ timeout: 240_000 });
    const summary = await result.getByTestId('ntk-summary').textContent();
    expect(summary).toContain('kernel GD');
    expect(summary).toContain('m = 2048');
    // Risk vs iteration, the circle (d = 2), eigenvalues, distance to kernel: four charts with lines.
    expect(await result.locator('figure svg').count()).toBe(4);
    expect(await result.locator('figure svg path[fill="none"]').count()).toBeGreaterThanOrEqual(4);
    // The finished run is kept (IndexedDB) and listed.
    expect(await page.getByText('Saved runs (1)').count()).toBe(1);
    await screenshot(page, 'ntk');
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.close();
  });

  it('names a bad link setting in the error banner and keeps working', async () => {
    const { page } = await openPage(site, '/ntk?target=wiggly');
    await expect.poll(() => page.getByTestId('error-banner').textContent(), { timeout: 30_000 }).toContain('target');
    expect(await page.getByTestId('run').isEnabled()).toBe(true);
    await page.close();
  });
});
