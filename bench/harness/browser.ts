import { createServer } from 'vite';
import { launchChromium } from '../../scripts/chromium.ts';

/**
 * Runs `bench/<name>.browser.ts` in headless Chromium (WebGPU on whatever adapter it finds) through a
 * Vite dev server on 127.0.0.1, and returns what the benchmark returned. Page console lines are echoed
 * to stderr so long runs show progress.
 */
export async function runBrowserBench<R>(name: string, args: Record<string, unknown> = {}, timeoutMs = 30 * 60_000): Promise<R> {
  const server = await createServer({ server: { port: 0, host: '127.0.0.1' }, logLevel: 'warn' });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('vite server has no port');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    page.on('console', (message) => process.stderr.write(`  [page] ${message.text()}\n`));
    page.on('pageerror', (error) => process.stderr.write(`  [page error] ${error.message}\n`));
    const query = new URLSearchParams({ bench: name, args: JSON.stringify(args) });
    await page.goto(`http://127.0.0.1:${address.port}/bench/pages/index.html?${query}`);
    await page.waitForFunction(
      () => {
        const w = window as unknown as { __benchResult?: unknown; __benchError?: string };
        return w.__benchResult !== undefined || w.__benchError !== undefined;
      },
      undefined,
      { timeout: timeoutMs, polling: 500 },
    );
    const outcome = await page.evaluate(() => {
      const w = window as unknown as { __benchResult?: unknown; __benchError?: string };
      return { result: w.__benchResult, error: w.__benchError };
    });
    if (outcome.error !== undefined) throw new Error(`benchmark ${name} failed in the browser: ${outcome.error}`);
    return outcome.result as R;
  } finally {
    await browser.close();
    await server.close();
  }
}
