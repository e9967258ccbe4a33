import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { createServer, preview, type PreviewServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../scripts/staticServer.ts';
import { HEADER_CONTENT_SECURITY_POLICY } from '../../src/lib/csp.ts';
import { openSite, REPO, type Site } from './harness.ts';

/**
 * The Content-Security-Policy reaches the workers, where every download runs: a probe worker served
 * like the site's own worker scripts tries a fetch to an unlisted host and an import from a foreign
 * origin (a second local server, standing in for any other site). Under the policy both are blocked;
 * the same probe without the header gets both through, so the test can tell the difference.
 */
const FIXTURES = path.join(REPO, 'tests/e2e/fixtures');
const FOREIGN_FILES: Record<string, { type: string; text: string }> = {
  '/data.json': { type: 'application/json', text: '{"secret": 1}' },
  '/module.js': { type: 'text/javascript', text: 'export const value = 42;' },
};
let foreign: StaticServer;
let site: Site;

beforeAll(async () => {
  foreign = await startStaticServer({
    root: FIXTURES,
    headers: { 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin' },
    route: (request, response) => {
      const body = FOREIGN_FILES[request.url ?? ''];
      if (!body) return false;
      response.writeHead(200, { 'Content-Type': body.type }).end(body.text);
      return true;
    },
  });
  // The probe and its page are served by the site's server, with the site's headers, at /probe/…;
  // /probe-without-csp/… is the control.
  site = await openSite({
    route: (request, response) => {
      const match = /^\/(probe|probe-without-csp)\/([\w.]+)/.exec(request.url ?? '');
      if (!match) return false;
      if (match[1] === 'probe-without-csp') response.removeHeader('Content-Security-Policy');
      const type = match[2].endsWith('.js') ? 'text/javascript' : 'text/html; charset=utf-8';
      response.writeHead(200, { 'Content-Type': type }).end(readFileSync(path.join(FIXTURES, match[2])));
      return true;
    },
  });
});
afterAll(async () => {
  await site?.close();
  await foreign?.close();
});

interface ProbeOutcome {
  foreignFetch: string;
  foreignImport: string;
  ownFetch: string;
}

async function runProbe(page: Page, workerPath: string): Promise<ProbeOutcome> {
  return page.evaluate(
    ([url, foreignUrl]) =>
      new Promise<ProbeOutcome>((resolve, reject) => {
        const worker = new Worker(`${url}?foreign=${encodeURIComponent(foreignUrl)}`, { type: 'module' });
        worker.onmessage = (event) => resolve(event.data as ProbeOutcome);
        worker.onerror = (event) => reject(new Error(`probe worker failed: ${event.message}`));
      }),
    [workerPath, foreign.url],
  );
}

describe('the built site’s policy covers its workers', () => {
  it('every worker script and the page are sent with the policy, nosniff and no framing', async () => {
    const workers = readdirSync(path.join(REPO, 'dist/assets')).filter((name) => /\.worker-[\w-]+\.js$/.test(name));
    expect(workers.length).toBeGreaterThan(0);
    for (const url of ['/', ...workers.map((name) => `/assets/${name}`)]) {
      const response = await fetch(`${site.server.url}${url}`);
      expect(response.headers.get('content-security-policy'), url).toBe(HEADER_CONTENT_SECURITY_POLICY);
      expect(response.headers.get('x-content-type-options'), url).toBe('nosniff');
    }
    expect(HEADER_CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });

  it('a worker cannot fetch an unlisted host nor import a foreign module; without the header it could', async () => {
    const page = await site.browser.newPage();
    await page.goto(`${site.server.url}/probe/cspProbe.html`);
    expect(await runProbe(page, '/probe/cspProbe.worker.js')).toEqual({ foreignFetch: 'blocked', foreignImport: 'blocked', ownFetch: 'loaded' });
    await page.goto(`${site.server.url}/probe-without-csp/cspProbe.html`);
    expect(await runProbe(page, '/probe-without-csp/cspProbe.worker.js')).toEqual({ foreignFetch: 'loaded', foreignImport: 'loaded', ownFetch: 'loaded' });
    await page.close();
  });
});

describe('vite dev and preview send the same policy', () => {
  let dev: ViteDevServer | undefined;
  let previewServer: PreviewServer | undefined;
  afterAll(async () => {
    await dev?.close();
    await previewServer?.close();
  });

  it('preview: the page and the worker scripts carry the policy and nosniff', async () => {
    previewServer = await preview({ root: REPO, logLevel: 'silent', preview: { port: 0, strictPort: false } });
    const base = previewServer.resolvedUrls!.local[0];
    const worker = readdirSync(path.join(REPO, 'dist/assets')).find((name) => /\.worker-[\w-]+\.js$/.test(name));
    for (const url of [base, `${base}assets/${worker}`]) {
      const response = await fetch(url);
      expect(response.headers.get('content-security-policy'), url).toBe(HEADER_CONTENT_SECURITY_POLICY);
      expect(response.headers.get('x-content-type-options'), url).toBe('nosniff');
    }
  });

  it('dev: a worker gets the full policy, so it cannot fetch an unlisted host nor import a foreign module', async () => {
    dev = await createServer({ root: REPO, logLevel: 'silent', server: { port: 0, strictPort: false, hmr: false } });
    await dev.listen();
    const base = dev.resolvedUrls!.local[0];
    const page = await site.browser.newPage();
    await page.goto(`${base}tests/e2e/fixtures/cspProbe.html`);
    expect(await runProbe(page, '/tests/e2e/fixtures/cspProbe.worker.js')).toEqual({ foreignFetch: 'blocked', foreignImport: 'blocked', ownFetch: 'loaded' });
    const document = await fetch(base);
    expect(document.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    expect(document.headers.get('x-content-type-options')).toBe('nosniff');
    await page.close();
  });
});
