import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, openSite, screenshot, type Site } from './harness.ts';

/**
 * The captioning page on the built site: the tiny preset (from the link) runs the whole pipeline in the
 * worker and shows metrics, playing clips, keywords with gates, edit chains and curves; a bad import file
 * gets a clear error. (The default three-setting job's time on this machine is in docs/captioning.md.)
 */
let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

const TINY = '/video-captioning?runs=few%2Bpseudo&train=40&test=10&encoder=20&classifier=30&captioner=20&seed=0';

describe('/video-captioning', () => {
  it('runs the tiny job from the link to the end and shows its results', async () => {
    const { page, consoleErrors, foreignRequests } = await openPage(site, TINY);
    const started = Date.now();
    await page.getByTestId('run').click();
    const result = page.getByTestId('caption-result');
    await result.waitFor({ timeout: 170_000 });
    console.log(`captioning tiny job: ${((Date.now() - started) / 1000).toFixed(1)} s in the browser`);
    const table = await result.getByTestId('caption-metrics').textContent();
    expect(table).toContain('few+pseudo');
    expect(table).toContain('CIDEr-D');
    expect(await result.getByTestId('caption-examples').locator('canvas').count()).toBe(8);
    expect(await result.getByTestId('caption-examples').textContent()).toMatch(/g 0\.\d\d/); // keyword gate values
    expect(await result.getByTestId('caption-chains').locator('details').count()).toBeGreaterThan(0);
    expect(await result.locator('figure svg path[fill="none"]').count()).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('compute').textContent()).toContain('tfjs wasm');
    expect(await page.getByText('Saved runs (1)').count()).toBe(1);
    await screenshot(page, 'video-captioning');
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.close();
  });

  it('names the problem with a dropped captions file and keeps working', async () => {
    const { page } = await openPage(site, TINY);
    await page.getByTestId('drop-zone').locator('input[type=file]').setInputFiles([
      { name: 'captions.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ sentences: [{ video_id: 'v1' , caption: 'a cat' }, { video_id: 'v2' }] })) },
      { name: 'features.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ v1: [[1, 2]], v2: [[3, 4]] })) },
    ]);
    await expect.poll(() => page.getByTestId('error-banner').textContent(), { timeout: 30_000 }).toContain('sentences[1] (video "v2") has no "caption"');
    expect(await page.getByTestId('run').isEnabled()).toBe(true);
    await page.close();
  });

  it('shows progress with the phase, and cancel stops the job without an error', async () => {
    const { page, consoleErrors } = await openPage(site, '/video-captioning');
    await page.getByTestId('run').click();
    await expect.poll(() => page.getByTestId('progress-text').textContent(), { timeout: 60_000 }).toMatch(/full \(1\/3\)/);
    await page.getByTestId('cancel').click();
    await expect.poll(() => page.getByTestId('run').isEnabled(), { timeout: 60_000 }).toBe(true);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('names a bad link setting in the error banner', async () => {
    const { page } = await openPage(site, '/video-captioning?runs=everything');
    await expect.poll(() => page.getByTestId('error-banner').textContent(), { timeout: 30_000 }).toContain('runs must be among');
    await page.close();
  });
});
