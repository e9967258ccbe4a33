import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, openSite, screenshot, type Site, horizontalOverflow } from './harness.ts';

/**
 * The pruning page on the built site: the embedded mini-OPT loads by itself, the default job (FASP,
 * s = 0.2, WikiText-2 valid calibration, perplexity on the default token budget) runs to the end and
 * shows a result row; a cancelled run leaves the page usable; nothing wider than a 360 px phone.
 */
let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

describe('the pruning page', () => {
  it('prunes the embedded model with the default job and shows the run', async () => {
    const { page, consoleErrors, foreignRequests } = await openPage(site, '/pruning');
    await page.getByTestId('model-summary').waitFor({ timeout: 120_000 });
    await page.getByTestId('run-prune').click();
    const result = page.getByTestId('prune-result');
    await result.waitFor({ timeout: 300_000 });
    const text = (await result.textContent()) ?? '';
    console.info(`[e2e] ${text.replace(/\s+/g, ' ').trim()}`);
    expect(text).toMatch(/Run 1: FASP at s = 0\.20/);
    const ppl = Number(/perplexity\s+([\d.]+)/.exec(text)?.[1]);
    expect(ppl).toBeGreaterThan(1);
    expect(ppl).toBeLessThan(4096);
    expect(await page.getByTestId('results-table').locator('tbody tr').count()).toBe(1);

    const download = page.waitForEvent('download');
    await page.getByTestId('download-pruned').click();
    expect((await download).suggestedFilename()).toBe('pruned-fasp-s0.2.zip');

    // The export panel works on the pruned model: its ONNX graph gives our logits in ONNX Runtime.
    await page.getByLabel('Timing tokens').fill('16');
    await page.getByTestId('check-onnx').click();
    const parity = page.getByTestId('onnx-parity');
    await parity.waitFor({ timeout: 240_000 });
    const parityText = (await parity.textContent()) ?? '';
    console.info(`[e2e] pruned model in ONNX Runtime: ${parityText.replace(/\s+/g, ' ').trim()}`);
    expect(parityText).toMatch(/ONNX matches/);
    expect(await page.getByTestId('onnx-check').textContent()).toMatch(/dense/);

    await screenshot(page, 'pruning-page');
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.close();
  });

  it('cancels a run and prunes again afterwards; fits a 360 px screen', async () => {
    const { page, consoleErrors } = await openPage(site, '/pruning', { width: 360 });
    await page.getByTestId('model-summary').waitFor({ timeout: 120_000 });
    await page.getByTestId('prune-method').selectOption('magnitude');
    await page.getByTestId('run-prune').click();
    await page.getByTestId('progress').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: /cancel/i }).first().click();
    await page.getByTestId('progress').waitFor({ state: 'detached', timeout: 60_000 });
    expect(await page.getByTestId('prune-result').count()).toBe(0);

    await page.getByText('Method settings and evaluation').click();
    await page.getByLabel('Perplexity budget (tokens of WikiText-2 test)').fill('512');
    await page.getByTestId('run-prune').click();
    const outcome = page.getByTestId('prune-result').or(page.getByTestId('error-banner'));
    await outcome.waitFor({ timeout: 120_000 });
    expect(await outcome.textContent()).toMatch(/magnitude at s = 0\.20/);
    const overflow = await horizontalOverflow(page);
    await screenshot(page, 'pruning-page-360px');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('prunes on the WebGPU path with ?backend=webgpu (forward, statistics and solve in WGSL; SwiftShader here: a short job)', async () => {
    const { page, consoleErrors } = await openPage(site, '/pruning', { search: '?backend=webgpu' });
    const summary = page.getByTestId('model-summary');
    await summary.waitFor({ timeout: 120_000 });
    expect(await summary.textContent()).toMatch(/Runs on WebGPU/);
    await page.getByLabel('Windows (nsamples)').fill('1');
    await page.getByLabel('Tokens each').fill('32');
    await page.getByText('Method settings and evaluation').click();
    await page.getByLabel('Perplexity budget (tokens of WikiText-2 test)').fill('1');
    // No speed timings: on SwiftShader every extra forward pass costs seconds, and they say nothing here.
    await page.getByLabel('Speed timings of each model').fill('0');
    await page.getByTestId('run-prune').click();
    const outcome = page.getByTestId('prune-result').or(page.getByTestId('error-banner'));
    await outcome.waitFor({ timeout: 240_000 });
    expect(await outcome.textContent()).toMatch(/FASP at s = 0\.20.*on WebGPU \(layers in WGSL; statistics and restoration in WGSL on the GPU\)/s);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
