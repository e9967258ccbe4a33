/**
 * `npm run bench:opt`: OPT forward throughput (tokens/s) on each backend here, for the embedded
 * mini-OPT and an OPT-125M-shaped model with random weights, next to tfjs-wasm doing only the same
 * matmuls, and peak memory.
 *   - CPU path: in Node, the same CpuOptRuntime the worker runs (tfjs-wasm, single-threaded SIMD).
 *   - WebGPU path: bench/opt.browser.ts in headless Chromium, on whatever adapter it finds
 *     (SwiftShader on machines without a GPU: shapes are cut down there, and the numbers say so).
 * `--quick` shortens the sequences; `--full` uses OPT-125M's full 2048-token window on the CPU path.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runBrowserBench } from './harness/browser.ts';
import { formatTable, writeResults } from './harness/report.ts';
import { forwardFlops, forwardMatmuls, opt125mConfig } from './optShapes.ts';
import type { OptBrowserResult } from './opt.browser.ts';
import { CpuOptRuntime } from '../src/lib/opt/cpu/cpuRuntime.ts';
import { nodeTf } from '../src/lib/opt/cpu/nodeTf.ts';
import type { Tf } from '../src/lib/opt/cpu/tfLinear.ts';
import { parseOptConfig, type OptConfig } from '../src/lib/opt/config.ts';
import { windowNll } from '../src/lib/opt/forward.ts';
import { randomOptWeights } from '../src/lib/opt/randomWeights.ts';
import { parseSafetensors } from '../src/lib/opt/safetensors.ts';
import { loadOptWeights, type OptWeights } from '../src/lib/opt/weights.ts';
import { Rng } from '../src/lib/util/random.ts';

const quick = process.argv.includes('--quick');
const full = process.argv.includes('--full');
const skipBrowser = process.argv.includes('--cpu-only');
const EMBEDDED = path.resolve(import.meta.dirname, '..', 'public', 'datasets', 'models', 'mini-opt');

interface Row {
  model: string;
  backend: string;
  tokens: number;
  'forward ms': number;
  'tokens/s': number;
  'GFLOP/s': number;
  'same matmuls, tfjs-wasm ms': number | null;
  'forward / matmuls': number | null;
  'peak memory MiB': number | null;
}

async function timeRepeated(once: () => Promise<void>, minRuns: number, budgetMs: number): Promise<number> {
  await once(); // warm-up: wasm compile, allocation
  const times: number[] = [];
  const started = performance.now();
  while (times.length < minRuns || (performance.now() - started < budgetMs && times.length < 10)) {
    const t0 = performance.now();
    await once();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

/** tfjs-wasm multiplying the forward pass's matrices alone, weights pre-transposed like our CPU path. */
async function timeTfMatmuls(tf: Tf, config: OptConfig, tokens: number): Promise<number> {
  const shapes = forwardMatmuls(config, tokens);
  const operands = shapes.map((s) => ({ a: tf.randomNormal([s.m, s.k]) as ReturnType<Tf['zeros']>, b: tf.randomNormal([s.k, s.n]) as ReturnType<Tf['zeros']>, count: s.count }));
  const ms = await timeRepeated(async () => {
    for (const { a, b, count } of operands) {
      for (let i = 0; i < count; i++) {
        const c = tf.matMul(a as never, b as never);
        c.dataSync();
        c.dispose();
      }
    }
  }, 2, quick ? 2000 : 8000);
  for (const { a, b } of operands) tf.dispose([a, b]);
  return ms;
}

async function benchCpu(tf: Tf, label: string, config: OptConfig, weights: OptWeights, tokens: number): Promise<Row> {
  const runtime = new CpuOptRuntime(tf, config, weights);
  const ids = Int32Array.from({ length: tokens }, (_, i) => (i * 7919) % config.vocabSize);
  let peakRss = process.memoryUsage().rss;
  const forwardMs = await timeRepeated(async () => {
    await windowNll(runtime, ids, { batch: 1, seqLen: tokens, afterLayer: () => void (peakRss = Math.max(peakRss, process.memoryUsage().rss)) });
  }, 2, quick ? 2000 : 10000);
  runtime.dispose();
  const matmulMs = await timeTfMatmuls(tf, config, tokens);
  process.stderr.write(`  ${label} cpu: ${forwardMs.toFixed(0)} ms forward, ${matmulMs.toFixed(0)} ms matmuls alone\n`);
  return {
    model: label,
    backend: 'cpu (tfjs-wasm, Node)',
    tokens,
    'forward ms': forwardMs,
    'tokens/s': (tokens * 1000) / forwardMs,
    'GFLOP/s': forwardFlops(config, tokens) / (forwardMs * 1e6),
    'same matmuls, tfjs-wasm ms': matmulMs,
    'forward / matmuls': forwardMs / matmulMs,
    'peak memory MiB': Math.max(peakRss, process.memoryUsage().rss) / 2 ** 20,
  };
}

const tf = await nodeTf();
const embeddedConfig = parseOptConfig(JSON.parse(readFileSync(path.join(EMBEDDED, 'config.json'), 'utf8')));
const embeddedWeights = () => loadOptWeights(embeddedConfig, [parseSafetensors(readFileSync(path.join(EMBEDDED, 'model.safetensors')))]);
const big = opt125mConfig();
const embeddedTokens = quick ? Math.min(64, embeddedConfig.maxPositions) : embeddedConfig.maxPositions;
const bigTokens = quick ? 128 : full ? 2048 : 512;

const rows: Row[] = [];
process.stderr.write('CPU path (Node)…\n');
rows.push(await benchCpu(tf, 'embedded mini-OPT', embeddedConfig, await embeddedWeights(), embeddedTokens));
rows.push(await benchCpu(tf, 'OPT-125M shape (random)', big, randomOptWeights(big, new Rng(1)), bigTokens));

let adapterNote = 'skipped (--cpu-only)';
if (!skipBrowser) {
  process.stderr.write('WebGPU path (Chromium)…\n');
  const browser = await runBrowserBench<OptBrowserResult>('opt', {
    embeddedTokens: quick ? 16 : Math.min(64, embeddedConfig.maxPositions),
    bigTokens: quick ? 4 : 16,
    budgetMs: quick ? 1000 : 4000,
  });
  adapterNote = `${browser.adapter}${browser.fallback ? ' (software fallback: shapes cut down, not representative of a GPU)' : ''}`;
  for (const r of browser.rows) {
    rows.push({
      model: r.model,
      backend: 'webgpu (WGSL)',
      tokens: r.tokens,
      'forward ms': r.forwardMs,
      'tokens/s': (r.tokens * 1000) / r.forwardMs,
      'GFLOP/s': r.gflop / (r.forwardMs / 1000),
      'same matmuls, tfjs-wasm ms': null,
      'forward / matmuls': r.forwardMs / r.wgslMatmulMs,
      'peak memory MiB': r.gpuMiB,
    });
  }
}

console.log(`\nOPT forward pass (NLL of every position), batch 1. WebGPU adapter: ${adapterNote}.`);
console.log('CPU rows: "forward / matmuls" compares with tfjs-wasm multiplying the same matrices alone (target ≤ 1.5).');
console.log('Peak memory: the process\'s peak RSS on the CPU path (Node, tfjs heap included); weight buffers + pooled activations on WebGPU.');
console.log('WebGPU rows: "forward / matmuls" compares with our WGSL matmul alone on the same shapes.');
console.log(formatTable(rows as unknown as Record<string, string | number | null>[]));
console.log(`\nresults: ${writeResults('opt', { rows, adapter: adapterNote, quick, full })}`);
