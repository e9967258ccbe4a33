import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, openSite, screenshot, type Site } from './harness.ts';

/**
 * Work is never lost by moving around (issue 12): a prune keeps running while another page is open and
 * its run is there on return; finished runs survive a reload until deleted; one progress bar per job
 * that never goes back between phases; cancelling says so; each route names itself in the tab title.
 * Small settings keep the prunes to seconds on the embedded model.
 */
let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

const PRUNE_BAR = 'section[aria-labelledby="prune-heading"] [data-testid="progress"]';

/** Small calibration and evaluation budgets: a prune of the embedded model in seconds. */
async function smallPruneSettings(page: Page): Promise<void> {
  await page.getByTestId('model-summary').waitFor({ timeout: 120_000 });
  await page.getByLabel('Windows (nsamples)').fill('4');
  await page.getByLabel('Tokens each').fill('64');
  await page.getByText('Method settings and evaluation').click();
  await page.getByLabel('Perplexity budget (tokens of WikiText-2 test)').fill('512');
}

/** Samples the prune bar's value (and text) every 20 ms into `window.__bar`, across page changes. */
async function sampleBar(page: Page): Promise<void> {
  await page.evaluate((selector) => {
    const samples: { value: number; text: string }[] = [];
    (window as unknown as { __bar: typeof samples }).__bar = samples;
    setInterval(() => {
      const bar = document.querySelector(selector);
      if (bar) samples.push({ value: Number(bar.getAttribute('aria-valuenow')), text: bar.getAttribute('aria-valuetext') ?? '' });
    }, 20);
  }, PRUNE_BAR);
}

describe('state that outlives a page', () => {
  it('a prune keeps running while another page is open, its run is there on return and after a reload until deleted; one bar that never goes back', async () => {
    const { page, consoleErrors } = await openPage(site, '/pruning');
    await smallPruneSettings(page);
    await sampleBar(page);
    await page.getByTestId('run-prune').click();
    await page.locator(PRUNE_BAR).waitFor({ timeout: 60_000 });

    // Away (the header's System link) and back (the browser's Back) while the job runs.
    await page.locator('header nav a[href="#/system"]').click();
    await page.getByRole('heading', { level: 1 }).filter({ hasText: /system/i }).waitFor();
    expect(await page.getByTestId('run-prune').count()).toBe(0);
    await page.goBack();
    const result = page.getByTestId('prune-result');
    await page.locator(PRUNE_BAR).or(result).first().waitFor({ timeout: 30_000 });
    await result.waitFor({ timeout: 240_000 });
    expect(await result.textContent()).toMatch(/Run 1: FASP at s = 0\.20/);

    const samples = await page.evaluate(() => (window as unknown as { __bar: { value: number; text: string }[] }).__bar);
    const values = samples.map((s) => s.value);
    console.info(`[e2e] prune bar: ${values.length} samples, ${new Set(values).size} distinct values, steps seen: ${[...new Set(samples.map((s) => /step \d of \d/.exec(s.text)?.[0]))].join(', ')}`);
    expect(values.length).toBeGreaterThan(3);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]);
    expect(samples.some((s) => /^step \d of [34]: /.test(s.text))).toBe(true);
    expect(new Set(samples.map((s) => /step (\d) of/.exec(s.text)?.[1]).filter(Boolean)).size).toBeGreaterThan(1);

    // Away and back once more after the run finished: the run is still there.
    await page.locator('header nav a[href="#/models"]').click();
    await page.getByTestId('run-perplexity').waitFor();
    await page.goBack();
    await result.waitFor();
    expect(await page.getByTestId('results-table').locator('tbody tr').count()).toBe(1);

    // A reload keeps the finished run (from IndexedDB), marked as from an earlier session.
    await page.reload();
    await result.waitFor({ timeout: 60_000 });
    expect(await result.textContent()).toMatch(/Run 1: FASP at s = 0\.20/);
    const saved = page.getByTestId('saved-runs');
    await saved.locator('summary').click();
    expect(await saved.getByTestId('saved-run').count()).toBe(1);
    expect(await saved.textContent()).toMatch(/earlier session/);
    await screenshot(page, 'pruning-restored-run');

    // Delete removes it, here and after the next reload.
    await saved.getByTestId('delete-run').click();
    await expect.poll(() => result.count()).toBe(0);
    await page.getByText('No runs yet').waitFor();
    await page.reload();
    await page.getByTestId('model-summary').waitFor({ timeout: 120_000 });
    await page.waitForTimeout(500);
    expect(await result.count()).toBe(0);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('cancelling a prune says "Cancelling…", then "Cancelled"', async () => {
    const { page, consoleErrors } = await openPage(site, '/pruning');
    await smallPruneSettings(page);
    await page.getByTestId('run-prune').click();
    await page.locator(PRUNE_BAR).waitFor({ timeout: 60_000 });
    const cancel = page.locator('section[aria-labelledby="prune-heading"]').getByTestId('cancel');
    await cancel.click();
    const status = page.getByTestId('prune-status');
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toMatch(/Cancell/);
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/^Cancelled/);
    expect(await page.getByTestId('prune-result').count()).toBe(0);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('a QLL comparison keeps training while another page is open (one bar over its runs); its runs survive a reload', async () => {
    const { page, consoleErrors } = await openPage(site, '/qll?methods=ce,smooth&epochs=1');
    await page.getByTestId('train-backend').filter({ hasText: 'tfjs' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('run-comparison').click();
    const progress = page.getByTestId('progress');
    await expect.poll(() => progress.textContent(), { timeout: 60_000 }).toMatch(/step [12] of 2: /);
    await page.locator('header nav a[href="#/system"]').click();
    await page.getByRole('heading', { level: 1 }).filter({ hasText: /system/i }).waitFor();
    await page.goBack();
    const table = page.getByTestId('results-table');
    await expect.poll(async () => table.locator('tbody tr').filter({ hasText: 'done' }).count(), { timeout: 240_000, interval: 1000 }).toBe(2);

    await page.reload();
    await expect.poll(async () => table.locator('tbody tr').filter({ hasText: 'done' }).count(), { timeout: 60_000 }).toBe(2);
    const saved = page.getByTestId('saved-runs');
    await saved.locator('summary').click();
    await saved.getByTestId('delete-run').first().click();
    await expect.poll(async () => table.locator('tbody tr').count()).toBe(1);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('a finished label-leakage result is there after a trip to another page and after a reload', async () => {
    const { page, consoleErrors } = await openPage(site, '/gradient-labels?trials=2&attacks=ilrg,gdbr&rounds=0');
    await page.getByTestId('run').click();
    const result = page.getByTestId('gdbr-result');
    await result.waitFor({ timeout: 240_000 });
    await page.locator('header nav a[href="#/system"]').click();
    await page.getByRole('heading', { level: 1 }).filter({ hasText: /system/i }).waitFor();
    await page.goBack();
    await result.waitFor({ timeout: 10_000 });
    await page.reload();
    await result.waitFor({ timeout: 60_000 });
    const saved = page.getByTestId('saved-runs');
    await saved.locator('summary').click();
    await saved.getByTestId('clear-runs').click();
    await expect.poll(() => result.count()).toBe(0);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('names each route in the tab title', async () => {
    const { page, consoleErrors } = await openPage(site, '/');
    const titles: Record<string, string> = {
      '/': 'Paperlab',
      '/pruning': 'Structured pruning (FASP) — Paperlab',
      '/calibration': 'Calibration-data study — Paperlab',
      '/models': 'OPT language models — Paperlab',
      '/irs': 'IRS placement on a map — Paperlab',
      '/synergy': 'Muscle synergies — Paperlab',
      '/qll': 'Quantized label learning — Paperlab',
      '/gradient-labels': 'Gradient label leakage — Paperlab',
      '/system': 'System — Paperlab',
      '/ntk': 'NTK regression — Paperlab',
      '/no-such-page': 'Page not found — Paperlab',
    };
    for (const [route, title] of Object.entries(titles)) {
      await page.evaluate((hash) => (location.hash = hash), `#${route}`);
      await expect.poll(() => page.title()).toBe(title);
    }
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
