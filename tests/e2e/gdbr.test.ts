import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, openSite, screenshot, type Site, horizontalOverflow } from './harness.ts';

let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

describe('gradient label leakage page', () => {
  it('runs its default job (untrained MLP, B = 32, last layer withheld) to the end and shows the counts', async () => {
    const { page, consoleErrors, foreignRequests } = await openPage(site, '/gradient-labels');
    await page.getByTestId('run').click();
    const result = page.getByTestId('gdbr-result');
    await result.waitFor({ timeout: 240_000 });
    const table = await result.getByTestId('results-table').textContent();
    expect(table).toContain('GDBR (activation-rate bridge)');
    expect(table).toContain('reference');
    // 10 digits × 2 bars (true, recovered) in the count chart.
    expect(await result.getByTestId('count-bars').locator('rect').count()).toBe(20);
    await screenshot(page, 'gradient-labels');
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.close();
  });

  it('sweeps the batch size with a curve per attack, from a link', async () => {
    const { page, consoleErrors } = await openPage(site, '/gradient-labels?trials=2&attacks=ilrg,gdbr&sweep=batchSize&values=4,16', { width: 360 });
    await page.getByRole('button', { name: 'Run sweep' }).click();
    const sweep = page.getByTestId('gdbr-sweep');
    await sweep.getByRole('button', { name: 'Download sweep (CSV)' }).waitFor({ timeout: 240_000 });
    expect(await sweep.locator('svg path').count()).toBeGreaterThanOrEqual(2);
    const overflow = await horizontalOverflow(page);
    await screenshot(page, 'gradient-labels-sweep-360px');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('cancels a run during FedAvg training and stays usable', async () => {
    const { page, consoleErrors } = await openPage(site, '/gradient-labels?rounds=5');
    await page.getByTestId('run').click();
    await expect.poll(() => page.getByTestId('progress').textContent(), { timeout: 60_000 }).toContain('FedAvg training');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.getByTestId('run').isEnabled(), { timeout: 30_000 }).toBe(true);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('names a bad link setting in the error banner and keeps working', async () => {
    const { page } = await openPage(site, '/gradient-labels?batch=9999');
    await expect.poll(() => page.getByTestId('error-banner').textContent(), { timeout: 30_000 }).toContain('batch size');
    expect(await page.getByTestId('run').isEnabled()).toBe(true);
    await page.close();
  });
});
