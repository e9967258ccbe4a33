/**
 * Runs one browser benchmark, chosen by `?bench=<name>` (the file `bench/<name>.browser.ts`) with JSON
 * arguments in `?args=`, and leaves its result on `window.__benchResult` for bench/harness/browser.ts.
 */
type BrowserBench = { run(args: Record<string, unknown>, log: (line: string) => void): Promise<unknown> };

const benches = import.meta.glob<BrowserBench>('../*.browser.ts');
const params = new URLSearchParams(location.search);
const name = params.get('bench') ?? '';
const args = JSON.parse(params.get('args') ?? '{}') as Record<string, unknown>;
const logElement = document.getElementById('log')!;
const log = (line: string) => {
  console.info(line);
  logElement.textContent += `\n${line}`;
};
const target = window as unknown as { __benchResult?: unknown; __benchError?: string };

const load = benches[`../${name}.browser.ts`];
if (!load) {
  target.__benchError = `no benchmark "${name}"; have: ${Object.keys(benches).join(', ')}`;
} else {
  load()
    .then((bench) => bench.run(args, log))
    .then((result) => (target.__benchResult = result ?? null))
    .catch((error: Error) => (target.__benchError = `${error.message}\n${error.stack ?? ''}`));
}
