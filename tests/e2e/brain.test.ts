import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, openSite, screenshot, type Site } from './harness.ts';

/** The brain-decoding page on the built site: its default preset runs to the end in the worker. */
let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

describe('/brain-decoding', () => {
  it('runs the default preset to the end and shows the curve, gallery, similarity and voxel maps', async () => {
    const { page, consoleErrors, foreignRequests } = await openPage(site, '/brain-decoding');
    const started = Date.now();
    await page.getByTestId('run').click();
    const result = page.getByTestId('brain-result');
    await result.waitFor({ timeout: 300_000 });
    console.log(`brain-decoding default preset: ${((Date.now() - started) / 1000).toFixed(1)} s in headless Chromium`);
    // MLP at 1, 2, 4, 8, 16 training subjects, each with top-1/top-5 and the chance level of 100-way retrieval.
    const rows = result.getByTestId('brain-curve').locator('tbody tr');
    expect(await rows.count()).toBe(5);
    expect(await rows.last().textContent()).toContain('16');
    expect(await rows.first().textContent()).toContain('1.0 % / 5.0 %');
    expect(await result.getByTestId('brain-finetune').locator('tbody tr').count()).toBe(1);
    // 6 gallery rows of the seen digit and its top-5, and 4 subjects' voxel maps (two each).
    expect(await result.getByTestId('brain-gallery').locator('.row').count()).toBe(6);
    expect(await result.locator('.maps canvas').count()).toBe(8); // responses and noise-free maps
    // The curve and the similarity scatter.
    expect(await result.locator('figure svg').count()).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('compute').textContent()).toContain('tfjs wasm');
    expect(await page.getByText('Saved runs (1)').count()).toBe(1);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-csv').click()]);
    expect(download.suggestedFilename()).toBe('brain-decoding.csv');
    const csv = (await readFile((await download.path())!, 'utf8')).trim().split(/\r?\n/);
    expect(csv[0]).toMatch(/^table,arch,subjects,seed,subject/);
    expect(csv.filter((line) => line.startsWith('curve,mlp,'))).toHaveLength(5);
    await screenshot(page, 'brain-decoding');
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.close();
  });

  it('trains all three decoders on tfjs-webgpu when ?backend=webgpu forces it (SwiftShader here)', async () => {
    const { page, consoleErrors } = await openPage(site, '/brain-decoding?backend=webgpu&arch=mlp,cnn,transformer&subjects=1&held=1&nway=10&train=20&steps=3&ft=0&side=8&encSteps=3');
    await page.getByTestId('run').click();
    const result = page.getByTestId('brain-result');
    await result.waitFor({ timeout: 240_000 });
    expect(await page.getByTestId('compute').textContent()).toContain('tfjs webgpu');
    const curve = await result.getByTestId('brain-curve').textContent();
    for (const arch of ['mlp', 'cnn', 'transformer']) expect(curve).toContain(arch);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('cancels a running job and stays usable', async () => {
    const { page, consoleErrors } = await openPage(site, '/brain-decoding?subjects=1&steps=5000&ft=0&side=16');
    await page.getByTestId('run').click();
    await page.getByTestId('progress').waitFor({ timeout: 60_000 });
    await page.getByTestId('cancel').click();
    await expect.poll(() => page.getByTestId('run').isEnabled(), { timeout: 60_000 }).toBe(true);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('names a bad link setting in the error banner and keeps working', async () => {
    const { page } = await openPage(site, '/brain-decoding?arch=rnn');
    await expect.poll(() => page.getByTestId('error-banner').textContent(), { timeout: 30_000 }).toContain('arch');
    expect(await page.getByTestId('run').isEnabled()).toBe(true);
    await page.close();
  });
});
