import { adapterLabel } from '../src/lib/backend.ts';
import { parseOptConfig, type OptConfig } from '../src/lib/opt/config.ts';
import { windowNll } from '../src/lib/opt/forward.ts';
import { randomOptWeights } from '../src/lib/opt/randomWeights.ts';
import { parseSafetensors } from '../src/lib/opt/safetensors.ts';
import { Rng } from '../src/lib/util/random.ts';
import { createGpuContext, type GpuContext } from '../src/kernels/gpu.ts';
import { runMatmul } from '../src/kernels/matmul.ts';
import { GpuOptRuntime } from '../src/kernels/opt/gpuRuntime.ts';
import { forwardFlops, forwardMatmuls, opt125mConfig } from './optShapes.ts';
import { runtimeLogits } from '../src/lib/export/onnxChecks.ts';
import { CpuOptRuntime } from '../src/lib/opt/cpu/cpuRuntime.ts';
import type { Tf } from '../src/lib/opt/cpu/tfLinear.ts';
import { describeTfWasm, tf, useTfBackend } from '../src/workers/tfBackend.ts';

/** The WebGPU half of bench:opt (see bench/opt.ts): forward time, WGSL matmul time alone, GPU memory. */
export interface OptBrowserResult {
  adapter: string;
  fallback: boolean;
  rows: { model: string; tokens: number; forwardMs: number; wgslMatmulMs: number; gflop: number; gpuMiB: number }[];
  /** The CPU path in this page (tfjs-wasm as the app's workers start it), when asked for. */
  cpu?: { engine: string; crossOriginIsolated: boolean; tokens: number; minMs: number; runs: number };
}

/**
 * CpuOptRuntime in the page, on tfjs-wasm started the way the app starts it (threaded SIMD build when the
 * page is cross-origin isolated): one prefill of 1 × tokens + logits on the OPT-125M shape, min of runs.
 */
async function cpuInPage(tokens: number, runs: number, wasmThreads: number | undefined): Promise<NonNullable<OptBrowserResult['cpu']>> {
  await useTfBackend('wasm', { wasmThreads });
  const big = opt125mConfig();
  const runtime = new CpuOptRuntime(tf as unknown as Tf, big, randomOptWeights(big, new Rng(1)));
  const ids = Int32Array.from({ length: tokens }, (_, i) => (i * 7919) % big.vocabSize);
  let minMs = Infinity;
  await runtimeLogits(runtime, ids, { batch: 1, seqLen: tokens });
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await runtimeLogits(runtime, ids, { batch: 1, seqLen: tokens });
    minMs = Math.min(minMs, performance.now() - t0);
  }
  runtime.dispose();
  return { engine: describeTfWasm(), crossOriginIsolated: globalThis.crossOriginIsolated, tokens, minMs, runs };
}

async function median(once: () => Promise<void>, budgetMs: number): Promise<number> {
  await once();
  const times: number[] = [];
  const started = performance.now();
  while (times.length < 2 || (performance.now() - started < budgetMs && times.length < 10)) {
    const t0 = performance.now();
    await once();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

async function wgslMatmuls(gpu: GpuContext, config: OptConfig, tokens: number, budgetMs: number): Promise<number> {
  const rng = new Rng(2);
  const operands = forwardMatmuls(config, tokens).map((s) => ({
    s,
    a: gpu.upload(rng.fillUniform(new Float32Array(s.m * s.k))),
    b: gpu.upload(rng.fillUniform(new Float32Array(s.k * s.n))),
    out: gpu.acquire(s.m * s.n * 4),
  }));
  const ms = await median(async () => {
    for (const { s, a, b, out } of operands) for (let i = 0; i < s.count; i++) runMatmul(gpu, { a, b, out }, { m: s.m, n: s.n, k: s.k, transB: true });
    await gpu.finish();
  }, budgetMs);
  for (const { a, b, out } of operands) gpu.release(a, b, out);
  return ms;
}

export async function run(args: Record<string, unknown>, log: (line: string) => void): Promise<OptBrowserResult> {
  const { embeddedTokens, bigTokens, budgetMs, cpuTokens, cpuRuns, wasmThreads, cpuOnly } = args as {
    embeddedTokens: number;
    bigTokens: number;
    budgetMs: number;
    cpuTokens?: number;
    cpuRuns?: number;
    wasmThreads?: number;
    cpuOnly?: boolean;
  };
  const cpu = cpuTokens ? await cpuInPage(cpuTokens, cpuRuns ?? 3, wasmThreads) : undefined;
  if (cpu) log(`CPU path in the page (${cpu.engine}): ${cpu.minMs.toFixed(0)} ms for 1 × ${cpu.tokens} + logits`);
  if (cpuOnly) return { adapter: '—', fallback: false, rows: [], cpu };
  const gpu = await createGpuContext(navigator.gpu);
  if (!gpu) throw new Error('no WebGPU adapter');
  log(`adapter: ${adapterLabel(gpu.adapter)} (fallback ${gpu.adapter.isFallback})`);
  const base = new URL('/datasets/models/mini-opt/', location.href);
  const embeddedConfig = parseOptConfig(await (await fetch(new URL('config.json', base))).json());
  const embeddedFile = parseSafetensors(await (await fetch(new URL('model.safetensors', base))).arrayBuffer());
  const big = opt125mConfig();
  const models: { model: string; config: OptConfig; tokens: number; load: () => Promise<GpuOptRuntime> }[] = [
    { model: 'embedded mini-OPT', config: embeddedConfig, tokens: embeddedTokens, load: () => GpuOptRuntime.load(gpu, embeddedConfig, { files: [embeddedFile] }) },
    { model: 'OPT-125M shape (random)', config: big, tokens: bigTokens, load: () => GpuOptRuntime.load(gpu, big, { weights: randomOptWeights(big, new Rng(1)) }) },
  ];
  const rows: OptBrowserResult['rows'] = [];
  for (const { model, config, tokens, load } of models) {
    log(`${model}: loading`);
    const runtime = await load();
    log(`${model}: loaded, ${(runtime.weightBytes / 2 ** 20).toFixed(0)} MiB of weights; timing ${tokens} tokens`);
    const ids = Int32Array.from({ length: tokens }, (_, i) => (i * 7919) % config.vocabSize);
    const forwardMs = await median(async () => void (await windowNll(runtime, ids, { batch: 1, seqLen: tokens })), budgetMs);
    const gpuMiB = (runtime.weightBytes + gpu.pooledBytes) / 2 ** 20;
    runtime.dispose();
    const wgslMatmulMs = await wgslMatmuls(gpu, config, tokens, budgetMs);
    log(`${model}: ${forwardMs.toFixed(1)} ms forward of ${tokens} tokens, ${wgslMatmulMs.toFixed(1)} ms WGSL matmuls alone`);
    rows.push({ model, tokens, forwardMs, wgslMatmulMs, gflop: forwardFlops(config, tokens) / 1e9, gpuMiB });
  }
  return { adapter: adapterLabel(gpu.adapter), fallback: gpu.adapter.isFallback, rows, cpu };
}
