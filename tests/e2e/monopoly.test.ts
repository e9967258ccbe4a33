import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, openSite, screenshot, type Site } from './harness.ts';

/** The facility-pricing page on the built site: the default KC job, a house's breakdown, "what if", a bad CSV. */
let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

describe('/facility-pricing', () => {
  let metricsOnTwoWorkers = '';
  it('runs the default job, explains a clicked house and answers "what if"', async () => {
    const { page, consoleErrors, foreignRequests } = await openPage(site, '/facility-pricing');
    const clicked = Date.now();
    await page.getByTestId('run').click();
    const result = page.getByTestId('monopoly-result');
    await result.waitFor({ timeout: 240_000 });
    const wallSeconds = (Date.now() - clicked) / 1000;
    const summary = await page.getByTestId('monopoly-summary').textContent();
    expect(summary).toContain('21613 houses');
    console.info(`default job, Run click to result on screen ${wallSeconds.toFixed(1)} s: ${summary}`);
    expect(summary).toMatch(/converged after \d+ iterations/);
    expect(summary).toContain('on 2 workers');
    const table = await result.locator('table').first().textContent();
    metricsOnTwoWorkers = table ?? '';
    for (const method of ['monopoly', 'ols', 'ols+distance', 'knn']) expect(table).toContain(method);
    expect(await result.locator('figure svg path[fill="none"]').count()).toBeGreaterThanOrEqual(2);
    expect(await page.getByText('Saved runs (1)').count()).toBe(1);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-facilities').click()]);
    expect(download.suggestedFilename()).toBe('facility-prices.csv');
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv.split(/\r?\n/)[0]).toBe('id,name,kind,lat,lon,theta,training_houses_within_R');
    expect(csv.trim().split(/\r?\n/)).toHaveLength(203);

    // Click houses on the map until one is picked (a click far from every house picks none).
    const map = page.getByTestId('city-map');
    const box = (await map.boundingBox())!;
    const breakdown = page.getByTestId('house-breakdown');
    let at = { x: 0, y: 0 };
    for (const [fx, fy] of [[0.3, 0.3], [0.25, 0.4], [0.35, 0.5], [0.5, 0.5], [0.45, 0.4], [0.55, 0.6]]) {
      at = { x: box.width * fx, y: box.height * fy };
      await map.click({ position: at });
      if (await breakdown.count()) break;
    }
    await breakdown.locator('tr.total').waitFor({ timeout: 30_000 });
    const parts = await breakdown.textContent();
    for (const part of ['intercept', 'attributes', 'neighbourhood', 'facilities', 'total']) expect(parts).toContain(part);

    // Remove the most influential facility: some houses' predicted values change.
    await page.getByTestId('whatif-remove').click();
    const answer = page.getByTestId('whatif-summary');
    await answer.waitFor({ timeout: 30_000 });
    const removed = (await answer.textContent())!;
    const affected = Number(/over (\d+) houses/.exec(removed)?.[1]);
    expect(affected).toBeGreaterThan(0);
    expect(removed).toMatch(/total change in predicted value −?\$[\d,]+/);
    expect(await page.getByTestId('map-legend').textContent()).toContain('what-if');

    // Place a new facility where the picked house is: it and its neighbours change.
    await page.getByTestId('whatif-place').click();
    await map.click({ position: at });
    await expect.poll(() => answer.textContent(), { timeout: 30_000 }).toContain('a facility with θ');
    expect(Number(/over (\d+) houses/.exec((await answer.textContent())!)?.[1])).toBeGreaterThan(0);
    await screenshot(page, 'facility-pricing');
    // After a reload the finished run comes back from IndexedDB (numbers only; its model is gone).
    await page.reload();
    await page.getByTestId('monopoly-result').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('monopoly-summary').textContent()).toBe(summary);
    expect(await page.getByTestId('whatif').textContent()).toContain('run again');
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.close();
  });

  it('fits the same model with the map step in one worker as over two Web Workers', async () => {
    expect(metricsOnTwoWorkers).not.toBe('');
    const { page, consoleErrors } = await openPage(site, '/facility-pricing?workers=1');
    await page.getByTestId('run').click();
    const result = page.getByTestId('monopoly-result');
    await result.waitFor({ timeout: 240_000 });
    expect(await page.getByTestId('monopoly-summary').textContent()).toContain('on 1 worker,');
    expect(await result.locator('table').first().textContent()).toBe(metricsOnTwoWorkers);
    expect(consoleErrors).toEqual([]);
  });

  it('names the row and column of a bad cell in a dropped houses CSV', async () => {
    const { page } = await openPage(site, '/facility-pricing');
    await page.getByText('City: King County').click();
    const houses = 'id,lat,lon,price,rooms\na,47.6,-122.3,500000,3\nb,47.61,-122.31,abc,4\n';
    const facilities = 'id,lat,lon,kind\nf,47.6,-122.3,library\n';
    await page.getByTestId('houses-file').setInputFiles({ name: 'h.csv', mimeType: 'text/csv', buffer: Buffer.from(houses) });
    await page.getByTestId('facilities-file').setInputFiles({ name: 'f.csv', mimeType: 'text/csv', buffer: Buffer.from(facilities) });
    await page.getByTestId('run').click();
    await expect.poll(() => page.getByTestId('error-banner').textContent(), { timeout: 30_000 }).toContain('row 2, column "price"');
    expect(await page.getByTestId('run').isEnabled()).toBe(true);
    await page.close();
  });
});
