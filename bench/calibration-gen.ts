/**
 * `npm run bench:gen`: self-generation throughput (new tokens/s) on the embedded mini-OPT with and
 * without the KV cache, side by side in one run, for one sequence and for a batch (the calibration
 * default decodes 16 at a time), per backend:
 *   - Node: the CpuOptRuntime (tfjs-wasm, single-threaded SIMD) that the CLI and the study script run;
 *   - Chromium (bench/calibration-gen.browser.ts): tfjs-wasm in the page, and WebGPU on whatever adapter
 *     it finds (SwiftShader here: a software rasterizer, so batch and length are cut down there).
 * `--quick`: 32 new tokens instead of 128 in Node; `--cpu-only`: Node only.
 */
import { openCliModel } from '../src/cli/commands/optModel.ts';
import { SELFGEN_DEFAULTS } from '../src/lib/calibration/settings.ts';
import { generateBatch } from '../src/lib/opt/generate.ts';
import type { GenBrowserResult } from './calibration-gen.browser.ts';
import { runBrowserBench } from './harness/browser.ts';
import { formatTable, writeResults } from './harness/report.ts';

const quick = process.argv.includes('--quick');
const newTokens = quick ? 32 : 128;
const { runtime, tokenizer } = await openCliModel('embedded');
const starts = [' The game', ' In 1998', ' The city', ' After the', ' He was', ' It is', ' A new', ' During the'];

interface Row {
  backend: string;
  batch: number;
  'new tokens': number;
  'KV cache': string;
  seconds: number;
  'tokens/s': number;
  'cache / no cache': number | null;
}

/** Median seconds of `runs` identical generations (after one warm-up), and the new tokens each made. */
async function timeGeneration(batch: number, kvCache: boolean, runs: number): Promise<{ seconds: number; tokens: number }> {
  const prompts = Array.from({ length: batch }, (_, b) => Int32Array.from([tokenizer.bosId, ...tokenizer.encode(starts[b % starts.length], { addBos: false }).subarray(0, 2)]));
  const once = async () => {
    const t0 = performance.now();
    // Never stopping at </s> keeps every run the same length, so the two paths do the same work.
    const result = await generateBatch(runtime, prompts, { ...SELFGEN_DEFAULTS.sampling, maxNewTokens: newTokens, seeds: prompts.map((_, b) => b), stopAtEos: false, kvCache });
    return { seconds: (performance.now() - t0) / 1000, tokens: result.newTokens };
  };
  await once();
  const results = [];
  for (let r = 0; r < runs; r++) results.push(await once());
  results.sort((a, b) => a.seconds - b.seconds);
  return results[Math.floor(runs / 2)];
}

const rows: Row[] = [];
for (const batch of [1, 16]) {
  const withCache = await timeGeneration(batch, true, 3);
  // The uncached path is the slow one (minutes at batch 16): one timed run after the warm-up.
  const without = await timeGeneration(batch, false, 1);
  for (const [label, t] of [['on', withCache], ['off', without]] as const) {
    rows.push({
      backend: 'cpu: tfjs-wasm in Node',
      batch,
      'new tokens': t.tokens,
      'KV cache': label,
      seconds: t.seconds,
      'tokens/s': t.tokens / t.seconds,
      'cache / no cache': label === 'on' ? without.seconds / withCache.seconds : null,
    });
  }
}
runtime.dispose();

let adapterNote = 'not run (--cpu-only)';
if (!process.argv.includes('--cpu-only')) {
  const browserBatch = 4;
  const browserTokens = quick ? 8 : 16;
  const browser = await runBrowserBench<GenBrowserResult>('calibration-gen', { batch: browserBatch, newTokens: browserTokens });
  adapterNote = `${browser.adapter}${browser.fallback ? ' (software fallback, not representative of a GPU)' : ''}`;
  for (const backend of [...new Set(browser.rows.map((r) => r.backend))]) {
    const on = browser.rows.find((r) => r.backend === backend && r.kvCache)!;
    const off = browser.rows.find((r) => r.backend === backend && !r.kvCache)!;
    for (const r of [on, off]) {
      rows.push({ backend, batch: r.batch, 'new tokens': r.newTokens, 'KV cache': r.kvCache ? 'on' : 'off', seconds: r.seconds, 'tokens/s': r.newTokens / r.seconds, 'cache / no cache': r.kvCache ? off.seconds / on.seconds : null });
    }
  }
}
console.log(`Self-generation on the embedded mini-OPT, prompts of </s> + 2 tokens, top-k/top-p/penalty sampling; Chromium's WebGPU adapter: ${adapterNote}\n`);
console.log(formatTable(rows as unknown as Record<string, string | number | null>[]));
console.log(`\nresults: ${writeResults('calibration-gen', { rows, newTokens, quick, adapter: adapterNote })}`);
