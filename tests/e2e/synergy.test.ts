import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, openSite, screenshot, type Site, horizontalOverflow } from './harness.ts';

let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

describe('synergy lab', () => {
  it('runs the simulated study end to end and shows synergies, tests and maps', async () => {
    const { page, consoleErrors } = await openPage(site, '/synergy');
    await page.getByTestId('study-results').waitFor({ timeout: 240_000 });
    expect(await page.getByTestId('study-k').textContent()).toMatch(/k = 2 used for the comparison/);
    expect(await page.getByTestId('synergy-card').count()).toBe(2);
    expect(await page.getByTestId('results-table').first().textContent()).toMatch(/Recruitment level/);
    // Without a GPU the restarts run on a pool of min(2, cores) nested workers, and the page says so.
    const backend = (await page.getByTestId('synergy-backend').textContent()) ?? '';
    if (/CPU path/.test(backend) && (await page.evaluate(() => navigator.hardwareConcurrency)) >= 2) expect(backend).toMatch(/the CPU path on 2 workers/);
    await screenshot(page, 'synergy-study');
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('analyses the shipped shoulder EMG and fits a 360 px screen', async () => {
    const { page, consoleErrors } = await openPage(site, '/synergy?tab=emg&restarts=4', { width: 360 });
    await page.getByTestId('recording-results').waitFor({ timeout: 240_000 });
    expect(await page.getByTestId('recording-k').textContent()).toMatch(/VAF \d+\.\d %/);
    expect(await page.getByTestId('recording-normalisation').textContent()).toMatch(/each muscle’s peak in this trial:\s+AD ÷ \d/);
    const overflow = await horizontalOverflow(page);
    await screenshot(page, 'synergy-emg-360px');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
