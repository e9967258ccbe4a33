import { readFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, openSite, REPO, type Site } from './harness.ts';

/**
 * The built site is cross-origin isolated (COOP same-origin + COEP credentialless from its `_headers`),
 * so the OPT page's CPU path runs tfjs-wasm's threaded SIMD build, and a Hugging Face hub download (a
 * cross-origin CORS fetch from the worker) still works under it. The hub is played by Playwright routes
 * answering https://huggingface.co with the embedded mini-OPT's files and the hub's CORS header: no network.
 */
const MINI_OPT = path.join(REPO, 'public', 'datasets', 'models', 'mini-opt');
const REPO_ID = 'paperlab-test/mini-opt';

let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

describe('cross-origin isolation', () => {
  it('runs the CPU path on the threaded tfjs-wasm build and loads a model from the (simulated) hub', async () => {
    const { page, consoleErrors } = await openPage(site, '/pruning');
    const hubRequests: string[] = [];
    const cors = { 'Access-Control-Allow-Origin': '*' };
    await page.context().route('https://huggingface.co/**', async (route) => {
      const url = new URL(route.request().url());
      hubRequests.push(url.pathname);
      if (url.pathname === `/api/models/${REPO_ID}/revision/main`) {
        const siblings = readdirSync(MINI_OPT).map((name) => ({ rfilename: name, size: statSync(path.join(MINI_OPT, name)).size }));
        await route.fulfill({ status: 200, headers: cors, contentType: 'application/json', body: JSON.stringify({ siblings }) });
        return;
      }
      const file = url.pathname.startsWith(`/${REPO_ID}/resolve/main/`) ? path.join(MINI_OPT, url.pathname.slice(`/${REPO_ID}/resolve/main/`.length)) : '';
      if (file && existsSync(file)) await route.fulfill({ status: 200, headers: cors, body: readFileSync(file) });
      else await route.fulfill({ status: 404, headers: cors, body: 'Entry not found' });
    });

    const summary = page.getByTestId('model-summary');
    await summary.waitFor({ timeout: 120_000 });
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const embedded = (await summary.textContent()) ?? '';
    console.info(`[e2e] ${/Runs on[^—]*/.exec(embedded)?.[0]}`);
    const threads = Number(/CPU \(tfjs wasm · SIMD · threads \((\d+)\)\)/.exec(embedded)?.[1]);
    // tfjs alone would size its pool at hardwareConcurrency / 2 (one thread on two cores); the app asks for ≥ 2 where there are 2.
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(threads).toBeGreaterThanOrEqual(Math.min(2, cores));

    await page.getByLabel('Hugging Face hub').check();
    await page.getByLabel('Repository').fill(REPO_ID);
    await page.getByLabel('Revision').fill('main');
    await page.getByTestId('load-model').click();
    await page.getByTestId('model-summary').filter({ hasText: REPO_ID }).waitFor({ timeout: 120_000 });
    expect(hubRequests).toContain(`/${REPO_ID}/resolve/main/model.safetensors`);
    expect(await page.getByTestId('model-summary').textContent()).toMatch(/threads \(\d+\)/);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
