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
    // The network trained in tfjs (wasm: SwiftShader counts as no GPU), and the page says so.
    expect(await page.getByTestId('compute').textContent()).toContain('tfjs wasm');
    // The finished run is kept (IndexedDB) and listed.
    expect(await page.getByText('Saved runs (1)').count()).toBe(1);
    await screenshot(page, 'ntk');
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.close();
  });

  it('turns a drag over the draw box into the drawn target, kept in the link', async () => {
    const { page, consoleErrors } = await openPage(site, '/ntk');
    const box = await page.getByTestId('draw-target').boundingBox();
    if (!box) throw new Error('the draw box is not shown for d = 2');
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.25);
    await page.mouse.down();
    for (let j = 1; j <= 8; j++) await page.mouse.move(box.x + box.width * (0.1 + 0.1 * j), box.y + box.height * 0.25);
    await page.mouse.up();
    await expect.poll(() => page.url()).toContain('target=drawn');
    const code = new URLSearchParams(page.url().split('?')[1]).get('draw') ?? '';
    expect(code).toHaveLength(32);
    // the dragged stretch sits near the top of the box, y ≈ (0.5 − 0.25)·2·(80/72) ≈ 1.11: level ≈ 49 of 63 ('x')
    expect(code.slice(5, 25)).toMatch(/^[v-z]+$/);
    expect(await page.locator('select').nth(1).inputValue()).toBe('drawn');
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('trains the network on tfjs-webgpu when ?backend=webgpu forces it (SwiftShader here)', async () => {
    const { page, consoleErrors } = await openPage(site, '/ntk?backend=webgpu&n=60&d=2&m=64,256&steps=30&target=cosine');
    await page.getByTestId('run').click();
    const result = page.getByTestId('ntk-result');
    await result.waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('compute').textContent()).toContain('tfjs webgpu');
    expect(await result.getByTestId('ntk-summary').textContent()).toContain('m = 256');
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('names a bad link setting in the error banner and keeps working', async () => {
    const { page } = await openPage(site, '/ntk?target=wiggly');
    await expect.poll(() => page.getByTestId('error-banner').textContent(), { timeout: 30_000 }).toContain('target');
    expect(await page.getByTestId('run').isEnabled()).toBe(true);
    await page.close();
  });
});
