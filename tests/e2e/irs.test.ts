import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openPage, openSite, screenshot, type Site, horizontalOverflow } from './harness.ts';

let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

async function ready(page: Page): Promise<void> {
  await page.getByTestId('coverage-rate').waitFor({ timeout: 120_000 });
  await expect.poll(() => page.getByTestId('results-table').locator('tbody tr').count(), { timeout: 60_000 }).toBe(3);
}

const userSnr = (page: Page, user: string) => page.getByTestId('results-table').locator('tr', { hasText: user }).locator('td').nth(1).textContent();

async function chooseFile(page: Page, button: string, name: string, text: string): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: button }).click();
  await (await chooser).setFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
}

describe('IRS planner page', () => {
  // One page for the whole session of a user, since each load of the site costs seconds here.
  it('computes the campus default, explains bad files, follows a drag with undo and a shareable link, and runs the optimiser', async () => {
    const { page, consoleErrors } = await openPage(site, '/irs');
    await ready(page);

    // The default job: heatmap, coverage with and without IRSs, per-user routes, analysis plots.
    expect(await page.getByTestId('coverage-rate').textContent()).toMatch(/^\d+\.\d %$/);
    const results = await page.getByTestId('irs-results').textContent();
    expect(results).toMatch(/direct only \d+\.\d %/);
    expect(await page.getByTestId('results-table').textContent()).toMatch(/bs → r1 → u1/);
    expect(Number(await userSnr(page, 'u2'))).toBeGreaterThan(10);
    await expect.poll(() => page.getByTestId('analysis').locator('svg').count()).toBeGreaterThanOrEqual(4);
    await screenshot(page, 'irs-default');
    // A coarser grid for the rest: this is about behaviour, not resolution.
    await page.getByTestId('grid').selectOption('64');

    // Bad input: clear messages, the scenario kept.
    await chooseFile(page, 'Load JSON', 'broken.json', '{ "carrierHz": 3.5e9, ');
    await expect.poll(() => page.getByTestId('error-banner').first().textContent()).toMatch(/broken\.json is not valid JSON/);
    await chooseFile(page, 'Import GeoJSON', 'roads.geojson', JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'LineString', coordinates: [[0, 0], [1, 1]] } }] }));
    await expect.poll(() => page.getByTestId('error-banner').first().textContent()).toMatch(/roads\.geojson: no polygons found \(only 1 LineString\)/);
    expect(await page.getByTestId('results-table').locator('tbody tr').count()).toBe(3);
    await page.getByTestId('error-banner').getByRole('button', { name: 'Dismiss' }).first().click();

    // A drag, its undo, and the link.
    const before = await userSnr(page, 'u1');
    const linkBefore = page.url();
    const marker = page.getByTestId('marker-r1').locator('circle.hit');
    const box = (await marker.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    for (let step = 1; step <= 5; step++) await page.mouse.move(box.x + box.width / 2 - 12 * step, box.y + box.height / 2 + 6 * step);
    await page.mouse.up();
    await expect.poll(() => userSnr(page, 'u1'), { timeout: 60_000 }).not.toBe(before);
    // The link is rewritten (compressed, asynchronously) when the drag ends.
    await expect.poll(() => page.url()).not.toBe(linkBefore);
    const link = page.url();
    expect(link).toMatch(/#\/irs\?s=/);
    const afterDrag = await userSnr(page, 'u1');

    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => userSnr(page, 'u1'), { timeout: 60_000 }).toBe(before);

    const shared = await site.browser.newPage({ viewport: { width: 1200, height: 900 } });
    await shared.goto(link);
    await ready(shared);
    await expect.poll(() => userSnr(shared, 'u1'), { timeout: 60_000 }).toBe(afterDrag);
    await shared.close();

    // The optimiser, run to the end and applied.
    const optimiser = page.getByTestId('optimiser');
    await optimiser.getByLabel('IRSs to place K').fill('1');
    await optimiser.getByLabel('IRSs to place K').press('Tab');
    await optimiser.getByLabel('Wall spacing (m)').fill('120');
    await optimiser.getByLabel('Wall spacing (m)').press('Tab');
    await optimiser.getByLabel('Coverage grid').fill('24');
    await optimiser.getByLabel('Coverage grid').press('Tab');
    await page.getByTestId('optimise').click();
    const result = page.getByTestId('optimiser-result');
    await result.waitFor({ timeout: 180_000 });
    expect(await result.textContent()).toMatch(/Passive.*Active/s);
    // The table compares with the scenario as placed, and Apply never silently drops the placed IRSs.
    expect(await result.getByTestId('optimiser-current').first().textContent()).toMatch(/^\d+\.\d %$/);
    await expect.poll(() => page.locator('[data-testid^="marker-r"]').count()).toBe(3);
    await result.getByRole('button', { name: 'Add to existing' }).first().click();
    await expect.poll(() => page.locator('[data-testid^="marker-r"]').count()).toBe(4);
    for (const id of ['r1', 'r2', 'r3', 'r4']) expect(await page.getByTestId(`marker-${id}`).count()).toBe(1);
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => page.locator('[data-testid^="marker-r"]').count()).toBe(3);
    await result.getByRole('button', { name: 'Replace existing' }).first().click();
    await expect.poll(() => page.locator('[data-testid^="marker-r"]').count()).toBe(1);
    await expect.poll(() => page.getByTestId('results-table').textContent(), { timeout: 60_000 }).not.toMatch(/r2|r3/);

    // Markers by keyboard: focus one, an arrow key moves it.
    const user = page.getByTestId('marker-u1').locator('circle');
    const at = (await user.boundingBox())!;
    await user.focus();
    await page.keyboard.down('ArrowLeft');
    await page.keyboard.up('ArrowLeft');
    await expect.poll(async () => (await user.boundingBox())!.x, { timeout: 10_000 }).toBeLessThan(at.x - 5);
    await expect.poll(() => page.getByTestId('coverage-summary').textContent()).toMatch(/with IRSs\s*\d+\.\d %/);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    await screenshot(page, 'irs-optimised');
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('is usable at 360 px: nothing wider than the screen', async () => {
    const { page, consoleErrors } = await openPage(site, '/irs', { width: 360 });
    await ready(page);
    const overflow = await horizontalOverflow(page);
    await screenshot(page, 'irs-360px');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('computes the heatmap with the WGSL kernel when WebGPU is forced', async () => {
    const { page, consoleErrors } = await openPage(site, '/irs', { search: '?backend=webgpu' });
    await ready(page);
    await expect.poll(() => page.getByTestId('field-backend').textContent(), { timeout: 180_000 }).toBe('WebGPU');
    expect(await page.getByTestId('results-table').textContent()).toMatch(/bs → r1 → u1/);
    await screenshot(page, 'irs-webgpu');
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
