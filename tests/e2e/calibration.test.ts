import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, openSite, screenshot, type Site, horizontalOverflow } from './harness.ts';

let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

describe('calibration page', () => {
  it('builds a self-generated set on the embedded model, then runs a tiny study to a table row', async () => {
    const { page, consoleErrors, foreignRequests } = await openPage(site, '/calibration');
    await expect.poll(() => page.getByTestId('model-info').textContent(), { timeout: 120_000 }).toContain('parameters');

    // Self-generation with small settings: 6 prompts of 24 new tokens, 4 windows of 32 tokens.
    await page.getByTestId('set-source').selectOption('selfgen');
    await page.getByTestId('selfgen-prompts').fill('6');
    await page.getByTestId('selfgen-length').fill('24');
    await page.getByTestId('set-nsamples').fill('4');
    await page.getByTestId('set-seqlen').fill('32');
    await page.getByTestId('build-set').click();
    const set = page.getByTestId('set-result');
    await set.waitFor({ timeout: 180_000 });
    expect(await set.textContent()).toContain('6 samples; 1 dropped');
    // Every sample listed: the 6 kept and dropped ones (the dropped one struck through).
    expect(await set.getByTestId('samples').locator('li').count()).toBe(6);
    expect(await set.getByTestId('ppl-histogram').locator('rect').count()).toBeGreaterThan(0);
    expect(await set.getByTestId('ppl-histogram').locator('line.cutoff').count()).toBe(1);
    // The same model, settings and seed again: the samples come from IndexedDB.
    await page.getByTestId('build-set').click();
    await expect.poll(() => page.getByTestId('set-result').textContent(), { timeout: 60_000 }).toContain('samples from the cache');

    // The study starts from the quick preset; the paper protocol is a preset; both show their time before starting.
    const quickEstimate = (await page.getByTestId('estimate').textContent()) ?? '';
    expect(quickEstimate).toMatch(/Estimated time: ≈ [\d.]+ (s|min)/);
    await page.getByTestId('preset-paper').click();
    expect(await page.getByTestId('study-seeds').inputValue()).toBe('5');
    const paperEstimate = (await page.getByTestId('estimate').textContent()) ?? '';
    expect(paperEstimate).toMatch(/≈ [\d.]+ min/);
    expect(paperEstimate).not.toBe(quickEstimate);
    await page.getByTestId('reset-defaults').click();
    expect(await page.getByTestId('study-seeds').inputValue()).toBe('2');

    // 1 source × 2 seeds × 1 sparsity × FASP, scored on 2 WikiText-2 test and 1 C4 window.
    for (const source of ['c4', 'text', 'random', 'selfgen']) await page.getByTestId(`study-source-${source}`).uncheck();
    await page.getByTestId('study-method-wanda-sp').uncheck();
    await page.getByTestId('study-seeds').fill('2');
    await page.getByTestId('study-sparsities').fill('0.4');
    await page.getByTestId('study-nsamples').fill('4');
    await page.getByTestId('study-seqlen').fill('32');
    await page.getByTestId('study-test-windows').fill('2');
    await page.getByTestId('study-c4-windows').fill('1');
    await page.getByTestId('run-study').click();
    await page.getByTestId('study-dense').waitFor({ timeout: 240_000 });
    const rows = page.getByTestId('results-table').locator('tbody tr');
    expect(await rows.count()).toBe(1);
    const row = await rows.first().textContent();
    expect(row).toContain('WikiText-2 valid');
    expect(row).toContain('40 %');
    expect(row).toContain('FASP');
    expect(row).toMatch(/± \d/);
    expect(await page.getByTestId('study-chart').locator('circle').count()).toBe(1);
    await screenshot(page, 'calibration');

    await page.setViewportSize({ width: 360, height: 900 });
    const overflow = await horizontalOverflow(page);
    await screenshot(page, 'calibration-360px');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.close();
  }, 600_000);

  it('cancels a self-generation with the default settings and stays usable', async () => {
    const { page, consoleErrors } = await openPage(site, '/calibration');
    await expect.poll(() => page.getByTestId('model-info').textContent(), { timeout: 120_000 }).toContain('parameters');
    await page.getByTestId('set-seed').fill('7');
    await page.getByTestId('build-set').click();
    await expect.poll(() => page.getByTestId('progress').textContent(), { timeout: 60_000 }).toContain('generating');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.getByTestId('build-set').isEnabled(), { timeout: 30_000 }).toBe(true);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    expect(await page.getByTestId('set-result').count()).toBe(0);
    // Still usable after the cancel: a set from a dropped text file builds, its windows within the text.
    await page.getByTestId('set-source').selectOption('text');
    const text = Array.from({ length: 40 }, (_, i) => `Line ${i} of a small notebook about rivers and bridges.`).join('\n');
    await page.locator('input[type=file]').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from(text) });
    await page.getByTestId('set-nsamples').fill('4');
    await page.getByTestId('set-seqlen').fill('32');
    await page.getByTestId('build-set').click();
    await page.getByTestId('set-result').waitFor({ timeout: 60_000 });
    const result = await page.getByTestId('set-result').textContent();
    expect(result).toContain('file notes.txt');
    expect(result).toContain('notebook about rivers');
    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 240_000);
});
