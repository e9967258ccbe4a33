import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, openSite, screenshot, type Site, horizontalOverflow } from './harness.ts';

/**
 * The OPT model page on the built site: the embedded mini-OPT loads by itself, "Evaluate" runs the
 * default perplexity job on WikiText-2 test to the end, "Generate" streams text; no console errors,
 * and nothing wider than a 360 px phone.
 */
let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

describe('the OPT model page', () => {
  it('loads the embedded model, evaluates perplexity and generates text', async () => {
    const { page, consoleErrors, foreignRequests } = await openPage(site, '/pruning');
    await page.getByTestId('model-summary').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('model-summary').textContent()).toMatch(/embedded mini-OPT.*4 layers/s);

    await page.getByTestId('run-perplexity').click();
    const result = page.getByTestId('perplexity-result');
    await result.waitFor({ timeout: 240_000 });
    const text = (await result.textContent()) ?? '';
    console.info(`[e2e] ${text.trim()}`);
    const ppl = Number(/Perplexity\s+([\d.]+)/.exec(text)?.[1]);
    expect(ppl).toBeGreaterThan(1);
    expect(ppl).toBeLessThan(4096);

    await page.getByTestId('run-generate').click();
    await page.getByTestId('generate-stats').waitFor({ timeout: 120_000 });
    const generated = (await page.getByTestId('generated-text').textContent()) ?? '';
    console.info(`[e2e] generated: ${generated.trim()}`);
    expect(generated.length).toBeGreaterThan(' The history of the city'.length + 10);

    await screenshot(page, 'opt-model-page');
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.close();
  });

  it('runs the WGSL path in its worker with ?backend=webgpu (SwiftShader here: a short job)', async () => {
    const { page, consoleErrors } = await openPage(site, '/pruning', { search: '?backend=webgpu' });
    const summary = page.getByTestId('model-summary');
    await summary.waitFor({ timeout: 120_000 });
    expect(await summary.textContent()).toMatch(/Runs on WebGPU/);
    await page.getByLabel('Window (tokens)').fill('32');
    await page.getByLabel('Windows', { exact: true }).fill('1');
    await page.getByTestId('run-perplexity').click();
    const result = page.getByTestId('perplexity-result');
    await result.waitFor({ timeout: 240_000 });
    expect(await result.textContent()).toMatch(/1 of \d+ windows of 32 tokens.*WebGPU/s);
    await page.getByLabel('New tokens').fill('4');
    await page.getByTestId('run-generate').click();
    await page.getByTestId('generate-stats').waitFor({ timeout: 240_000 });
    expect(await page.getByTestId('generate-stats').textContent()).toMatch(/4 tokens.*WebGPU/s);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('fits a 360 px screen', async () => {
    const { page, consoleErrors } = await openPage(site, '/pruning', { width: 360 });
    await page.getByTestId('model-summary').waitFor({ timeout: 120_000 });
    const overflow = await horizontalOverflow(page);
    await screenshot(page, 'opt-model-page-360px');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('shows a clear error for a hub repo that cannot be reached, and stays usable', async () => {
    const { page } = await openPage(site, '/pruning');
    await page.getByTestId('model-summary').waitFor({ timeout: 120_000 });
    await page.getByLabel('URL').check();
    await page.getByLabel('Folder URL').fill('http://127.0.0.1:9/nothing/');
    await page.getByTestId('load-model').click();
    await page.getByTestId('error-banner').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('error-banner').textContent()).toMatch(/Could not reach|blocked|config.json/);
    await page.getByLabel('Embedded mini-OPT').check();
    await page.getByTestId('load-model').click();
    await page.getByTestId('model-summary').waitFor({ timeout: 120_000 });
    await page.close();
  });
});
