import { constants, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_HASH_CHARS } from '../../src/lib/irs/scenarioLink.ts';
import { openPage, openSite, type Site } from './harness.ts';

/** Hostile share links: refused or held for the user's go-ahead, and the page stays usable. */
let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

describe('share links', () => {
  it('an IRS link that inflates far past any scenario is refused and the default scenario shown', async () => {
    // 85 MiB of spaces as independent 1 MiB deflate blocks: ~117 k characters, under the length cap.
    const block = deflateRawSync(Buffer.alloc(2 ** 20, 0x20), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
    const packed = Buffer.concat([...Array.from({ length: 85 }, () => block), deflateRawSync(Buffer.alloc(0))]).toString('base64url');
    expect(packed.length).toBeLessThanOrEqual(MAX_HASH_CHARS);
    const { page } = await openPage(site, `/irs?s=${packed}`);
    await expect.poll(() => page.getByTestId('error-banner').first().textContent(), { timeout: 60_000 }).toMatch(/link’s scenario could not be read/);
    await page.getByTestId('coverage-rate').waitFor({ timeout: 120_000 });
    await page.close();
  });

  it('a synergy link asking for 2000 participants and 50 restarts starts nothing: it says what it refused and what the job costs', async () => {
    const { page, consoleErrors } = await openPage(site, '/synergy?participants=2000&restarts=50');
    await expect.poll(() => page.getByTestId('link-problems').textContent()).toMatch(/participants="2000": expected an integer from 3 to 30/);
    expect(await page.getByTestId('link-cost').textContent()).toMatch(/4,000 NMF fits, 6\.3× the\s+default job's 640/);
    await page.waitForTimeout(2000);
    expect(await page.getByTestId('progress').count()).toBe(0);
    expect(await page.getByTestId('study-results').count()).toBe(0);
    expect(await page.getByTestId('run').isEnabled()).toBe(true);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
