import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, openSite, screenshot, type Site, horizontalOverflow } from './harness.ts';

/**
 * The export panel on the OPT page (built site): with the embedded mini-OPT loaded, download it as ONNX
 * and as safetensors (ZIP), then check the ONNX in onnxruntime-web: the parity line says it matches and
 * the dense-vs-pruned timing table is shown; no console errors, no foreign requests; fits 360 px. The
 * check runs again on a host without cross-origin isolation (single-threaded ORT).
 */
let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

function parityError(text: string): number {
  return Number(/max error ([\d.e+-]+)/.exec(text)?.[1]);
}

describe('the export panel', () => {
  it('downloads ONNX and safetensors, and shows ONNX Runtime parity and speed', async () => {
    const { page, consoleErrors, foreignRequests } = await openPage(site, '/models');
    await page.getByTestId('model-summary').waitFor({ timeout: 120_000 });

    const onnxDownload = page.waitForEvent('download', { timeout: 120_000 });
    await page.getByTestId('export-onnx').click();
    expect((await onnxDownload).suggestedFilename()).toBe('model.onnx');
    const zipDownload = page.waitForEvent('download', { timeout: 120_000 });
    await page.getByTestId('export-safetensors').click();
    expect((await zipDownload).suggestedFilename()).toMatch(/\.zip$/);
    expect(await page.getByTestId('export-files').textContent()).toMatch(/model\.safetensors.*config\.json.*tokenizer\.json/s);

    await page.getByLabel('Timing tokens').fill('32');
    await page.getByTestId('check-onnx').click();
    const parity = page.getByTestId('onnx-parity');
    await parity.waitFor({ timeout: 240_000 });
    const text = (await parity.textContent()) ?? '';
    console.info(`[e2e] ${text.replace(/\s+/g, ' ').trim()}`);
    expect(text).toMatch(/ONNX matches/);
    expect(parityError(text)).toBeLessThanOrEqual(1e-4);
    console.info(`[e2e] ${(await page.getByTestId('onnx-speedup').textContent())?.trim()}`);
    expect(await page.getByTestId('onnx-check').textContent()).toMatch(/magnitude-pruned, s = 0\.4/);

    await page.getByTestId('onnx-check').scrollIntoViewIfNeeded();
    await screenshot(page, 'export-panel');
    await page.setViewportSize({ width: 360, height: 800 });
    const overflow = await horizontalOverflow(page);
    await screenshot(page, 'export-panel-360px');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.close();
  });

  it('runs the ONNX Runtime check without cross-origin isolation', async () => {
    const plain = await openSite({ isolated: false });
    try {
      const { page, consoleErrors } = await openPage(plain, '/models');
      await page.getByTestId('model-summary').waitFor({ timeout: 120_000 });
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      await page.getByLabel('Timing tokens').fill('16');
      await page.getByTestId('check-onnx').click();
      await page.getByTestId('onnx-parity').waitFor({ timeout: 240_000 });
      const text = (await page.getByTestId('onnx-parity').textContent()) ?? '';
      expect(text).toMatch(/ONNX matches/);
      expect(parityError(text)).toBeLessThanOrEqual(1e-4);
      expect(await page.getByTestId('onnx-check').textContent()).toMatch(/wasm, 1 thread\b/);
      expect(consoleErrors).toEqual([]);
      await page.close();
    } finally {
      await plain.close();
    }
  });
});
