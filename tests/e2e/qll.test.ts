import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, openSite, screenshot, type Site, horizontalOverflow } from './harness.ts';

/**
 * The QLL page on the built site: its default job (every method, a short seeded run on the shipped
 * MNIST) runs to the end in the training worker, the table, curves and confusion matrix appear,
 * and nothing goes to the console's error stream.
 */
let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

describe('/qll', () => {
  it('runs the default comparison to the end on the embedded MNIST', async () => {
    const { page, consoleErrors, foreignRequests } = await openPage(site, '/qll');
    await page.getByTestId('image-grid').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('image-grid').locator('canvas').count()).toBe(12);
    await page.getByTestId('train-backend').filter({ hasText: 'tfjs' }).waitFor({ timeout: 60_000 });
    const backend = await page.getByTestId('train-backend').textContent();
    console.info(`[e2e] ${backend}`);
    expect(backend).toMatch(/tfjs wasm · SIMD · threads/);

    await page.getByTestId('run-comparison').click();
    await page.getByTestId('progress').waitFor();
    const table = page.getByTestId('results-table');
    await expect.poll(async () => table.locator('tbody tr').filter({ hasText: 'done' }).count(), { timeout: 240_000, interval: 1000 }).toBe(5);

    const rows = await table.locator('tbody tr').allTextContents();
    console.info(`[e2e] results:\n${rows.join('\n')}`);
    // The cross-entropy run on 6 000 digits (half of them mixed) is well above chance.
    const ceAccuracy = Number((await table.locator('tbody tr').first().locator('td').nth(1).textContent()) ?? '0');
    expect(ceAccuracy).toBeGreaterThan(0.8);
    await page.getByTestId('confusion-matrix').waitFor();
    expect(await page.getByTestId('run-charts').locator('svg path').count()).toBeGreaterThan(5);
    await screenshot(page, 'qll-done');
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.close();
  });

  it('pauses, resumes and cancels a run, and fits a 360 px screen', async () => {
    const { page, consoleErrors } = await openPage(site, '/qll?methods=ce&epochs=20', { width: 360 });
    await page.getByTestId('train-backend').filter({ hasText: 'tfjs' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('run-comparison').click();
    const pause = page.getByTestId('pause');
    const progress = page.getByTestId('progress');
    await expect.poll(() => progress.textContent(), { timeout: 30_000 }).toMatch(/Training/);
    await pause.click();
    await expect.poll(() => pause.textContent()).toBe('Resume');
    // Messages already sent may still land; after that the run must stand still.
    await page.waitForTimeout(1000);
    const stuckAt = await progress.textContent();
    await page.waitForTimeout(2000);
    expect(await progress.textContent()).toBe(stuckAt);
    await pause.click();
    await expect.poll(() => progress.textContent(), { timeout: 10_000 }).not.toBe(stuckAt);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.getByTestId('results-table').locator('tbody tr').first().textContent(), { timeout: 30_000 }).toMatch(/cancelled/);
    const overflow = await horizontalOverflow(page);
    await screenshot(page, 'qll-360px');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('starts tfjs on WebGPU when ?backend=webgpu forces it (SwiftShader here)', async () => {
    const { page, consoleErrors } = await openPage(site, '/qll', { search: '?backend=webgpu' });
    await page.getByTestId('train-backend').filter({ hasText: 'tfjs webgpu' }).waitFor({ timeout: 60_000 });
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('says which link setting is wrong and keeps working with the defaults', async () => {
    const { page, consoleErrors } = await openPage(site, '/qll?mix=7');
    await page.getByTestId('error-banner').filter({ hasText: 'mix fraction is out of range' }).waitFor();
    await page.getByTestId('image-grid').waitFor({ timeout: 60_000 });
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
