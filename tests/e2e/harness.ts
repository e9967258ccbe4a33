import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../scripts/chromium.ts';
import { startStaticServer, type StaticServer, type StaticServerOptions } from '../../scripts/staticServer.ts';

/**
 * End-to-end harness: the built site (`dist/`, made by `npm run build` before this project runs)
 * served on 127.0.0.1 with the headers of its `_headers` file, Debian Chromium driving it. Each opened page records console errors, page
 * errors and every request, so tests can assert "no errors" and "nothing outside the origin".
 */
export const REPO = path.resolve(import.meta.dirname, '../..');
export const SCREENSHOTS = path.join(REPO, 'test-results', 'screenshots');

export interface Site {
  server: StaticServer;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * The headers the build's `_headers` file asks a static host to send (its `/*` block), so the tests see
 * the site as a host that honours it does. `isolated: false` leaves out the cross-origin isolation pair.
 */
export function hostHeaders(dist: string, options: { isolated?: boolean } = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of readFileSync(path.join(dist, '_headers'), 'utf8').split('\n')) {
    const match = /^\s+([\w-]+):\s*(.+)$/.exec(line);
    if (match) headers[match[1]] = match[2];
  }
  if (options.isolated === false) {
    delete headers['Cross-Origin-Opener-Policy'];
    delete headers['Cross-Origin-Embedder-Policy'];
  }
  return headers;
}

export async function openSite(options: { isolated?: boolean; route?: StaticServerOptions['route'] } = {}): Promise<Site> {
  const dist = path.join(REPO, 'dist');
  if (!existsSync(path.join(dist, 'index.html'))) throw new Error('dist/ is missing: run `npm run build` before the e2e tests');
  const server = await startStaticServer({ root: dist, headers: hostHeaders(dist, options), route: options.route });
  const browser = await launchChromium();
  return {
    server,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

export interface WatchedPage {
  page: Page;
  consoleErrors: string[];
  foreignRequests: string[];
}

export async function openPage(site: Site, hashRoute: string, options: { width?: number; search?: string } = {}): Promise<WatchedPage> {
  const page = await site.browser.newPage({ viewport: { width: options.width ?? 1200, height: 900 } });
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];
  const origin = new URL(site.server.url).origin;
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin) foreignRequests.push(url);
  });
  await page.goto(`${site.server.url}/${options.search ?? ''}#${hashRoute}`);
  return { page, consoleErrors, foreignRequests };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * How far the page is wider than the window, once the layout has settled after a resize (charts follow
 * their box through a ResizeObserver, a frame or more later): polls for up to 10 s until it fits.
 */
export async function horizontalOverflow(page: Page): Promise<number> {
  const measure = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  const deadline = Date.now() + 10_000;
  let overflow = await measure();
  while (overflow > 0 && Date.now() < deadline) {
    await page.waitForTimeout(200);
    overflow = await measure();
  }
  return overflow;
}
