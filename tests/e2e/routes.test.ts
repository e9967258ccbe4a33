import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/views/modules.ts';
import { openPage, openSite, screenshot, type Site, horizontalOverflow } from './harness.ts';

let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

const ROUTES = ['/', '/system', '/models', ...MODULES.map((m) => m.route), '/no-such-page'];

describe('every route of the built site', () => {
  for (const route of ROUTES) {
    it(`${route} loads with no console error and no request off the origin`, async () => {
      const { page, consoleErrors, foreignRequests } = await openPage(site, route);
      await page.waitForSelector('main h1');
      await page.getByTestId('compute-badge').filter({ hasNotText: 'probing' }).waitFor();
      await screenshot(page, `route${route === '/' ? '-home' : route.replaceAll('/', '-')}`);
      expect(consoleErrors).toEqual([]);
      expect(foreignRequests).toEqual([]);
      await page.close();
    });
  }

  it('the home page lists all ten modules', async () => {
    const { page } = await openPage(site, '/');
    await expect.poll(() => page.getByTestId('module-card').count()).toBe(10);
    await page.close();
  });

  it('an unknown route shows the not-found page', async () => {
    const { page } = await openPage(site, '/no-such-page');
    expect(await page.locator('main h1').textContent()).toBe('Not found');
    await page.close();
  });

  it('the built page carries the Content-Security-Policy and runs under it', async () => {
    const { page, consoleErrors } = await openPage(site, '/system');
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).not.toContain("'unsafe-eval'");
    await page.getByTestId('system-facts').waitFor();
    expect(consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await page.close();
  });

  it('is usable at 360 px: nothing wider than the screen', async () => {
    const { page } = await openPage(site, '/', { width: 360 });
    await page.getByTestId('module-card').first().waitFor();
    const overflow = await horizontalOverflow(page);
    await screenshot(page, 'home-360px');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.close();
  });

  it('the compute badge names the adapter, and ?backend=webgpu forces WGSL on SwiftShader', async () => {
    const plain = await openPage(site, '/system');
    await plain.page.getByTestId('system-facts').waitFor();
    const facts = await plain.page.getByTestId('system-facts').textContent();
    console.info(`[e2e] system facts: ${facts}`);
    expect(facts).toMatch(/swiftshader/i);
    expect(facts).toMatch(/Backend\s*cpu/);
    await plain.page.close();

    const forced = await openPage(site, '/system', { search: '?backend=webgpu' });
    await forced.page.getByTestId('system-facts').waitFor();
    expect(await forced.page.getByTestId('system-facts').textContent()).toMatch(/Backend\s*webgpu/);
    await forced.page.getByRole('button', { name: 'Run GPU self-test' }).click();
    const result = forced.page.getByTestId('self-test-result');
    await result.waitFor({ timeout: 120_000 });
    expect(await result.textContent()).toMatch(/relative error of \d/);
    expect(forced.consoleErrors).toEqual([]);
    await forced.page.close();
  });
});

describe('without cross-origin isolation', () => {
  it('the app still starts and probes the backend', async () => {
    const plainSite = await openSite({ isolated: false });
    try {
      const { page, consoleErrors } = await openPage(plainSite, '/system');
      await page.getByTestId('system-facts').waitFor();
      expect(await page.getByTestId('system-facts').textContent()).toMatch(/Cross-origin isolated\s*no/);
      expect(consoleErrors).toEqual([]);
      await page.close();
    } finally {
      await plainSite.close();
    }
  });
});
