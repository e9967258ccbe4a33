/**
 * `npm run bench:opt`: OPT forward throughput (tokens/s) on each backend here, for the embedded
 * mini-OPT and an OPT-125M-shaped model with random weights, next to tfjs-wasm doing only the same
 * matmuls, and peak memory.
 *   - CPU path: in Node, the same CpuOptRuntime the worker runs (tfjs-wasm, SIMD; which wasm build and
 *     how many threads ran is printed).
 *   - Where the CPU forward goes: one prefill of 1 × T tokens + logits on the OPT-125M shape, split by
 *     phase (CpuProfile), each phase next to its own matrix products timed alone on the same shapes.
 *   - Peers, same run, same prefill: onnxruntime-web (wasm; 1 and 2 threads) and onnxruntime-node (native
 *     CPU; 1 and 2 threads, when installed: `--ort-node <package folder>` or NODE_PATH), interleaved with
 *     our runtime, min of repeats (optPeers.ts).
 *   - The CPU path in Chromium (cross-origin isolated dev server): the same prefill with tfjs-wasm pinned
 *     to one XNNPACK thread, then with the threads the app asks for (src/workers/tfBackend.ts).
 *   - WebGPU path: bench/opt.browser.ts in headless Chromium, on whatever adapter it finds
 *     (SwiftShader on machines without a GPU: shapes are cut down there, and the numbers say so).
 * `--quick` shortens the sequences; `--full` uses OPT-125M's full 2048-token window for the CPU throughput row;
 * `--cpu-only` skips the WebGPU path (the CPU path still runs in Chromium, 1 thread vs the app's threads);
 * `--node-only` skips the browser; `--no-peers` skips the ONNX Runtime peers; `--breakdown-only` runs only
 * the phase breakdown.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runBrowserBench } from './harness/browser.ts';
import { formatTable, writeResults } from './harness/report.ts';
import { forwardFlops, forwardMatmuls, opt125mConfig, phaseMatmuls } from './optShapes.ts';
import type { OptBrowserResult } from './opt.browser.ts';
import { findOrtNode, ORT_NODE_HELP, startPeer, type Peer, type PeerEngine } from './optPeers.ts';
import { buildOnnxModel } from '../src/lib/export/onnxExport.ts';
import { parityIds, runtimeLogits } from '../src/lib/export/onnxChecks.ts';
import { maxRelativeError } from '../src/lib/export/onnxRuntime.ts';
import { CpuOptRuntime, HEAD_CHUNK_ROWS } from '../src/lib/opt/cpu/cpuRuntime.ts';
import { CPU_PHASES, CpuProfile } from '../src/lib/opt/cpu/cpuProfile.ts';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { nodeTf } from '../src/lib/opt/cpu/nodeTf.ts';
import type { Tf } from '../src/lib/opt/cpu/tfLinear.ts';
import type * as TfCore from '@tensorflow/tfjs-core';
import { parseOptConfig, type OptConfig } from '../src/lib/opt/config.ts';
import { windowNll } from '../src/lib/opt/forward.ts';
import { randomOptWeights } from '../src/lib/opt/randomWeights.ts';
import { parseSafetensors } from '../src/lib/opt/safetensors.ts';
import { loadOptWeights, type OptWeights } from '../src/lib/opt/weights.ts';
import { Rng } from '../src/lib/util/random.ts';

const quick = process.argv.includes('--quick');
const full = process.argv.includes('--full');
/** `--cpu-only`: no WebGPU path (the CPU path still runs in Chromium too); `--node-only`: no browser at all. */
const nodeOnly = process.argv.includes('--node-only');
const skipBrowser = nodeOnly || process.argv.includes('--cpu-only');
/** Only the phase breakdown (no throughput rows, no peers, no browser): for profiling the CPU path. */
const breakdownOnly = process.argv.includes('--breakdown-only');
const skipPeers = breakdownOnly || process.argv.includes('--no-peers');
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

interface PhaseRow {
  phase: string;
  'forward ms': number;
  'share %': number;
  'its matmuls alone ms': number | null;
  'forward / matmuls': number | null;
}

/** Min over runs of `once` (after one warm-up). */
async function minOf(runs: number, once: () => Promise<number> | number): Promise<number> {
  await once();
  let best = Infinity;
  for (let r = 0; r < runs; r++) best = Math.min(best, await once());
  return best;
}

/**
 * One prefill + logits of the OPT-125M shape split by CpuProfile phase (each phase's minimum over `runs`
 * runs), and each phase's products timed alone on resident tensors (no upload, no readback; min of `runs`).
 * "other" is the fastest whole pass minus the phases' minima (JS between the calls).
 */
async function forwardBreakdown(tf: Tf, runtime: CpuOptRuntime, ids: Int32Array, runs: number): Promise<PhaseRow[]> {
  const shape = { batch: 1, seqLen: ids.length };
  const profile = new CpuProfile();
  runtime.profile = profile;
  // Each phase's and the whole pass's minimum over the runs: on a shared machine a run's slow phase is load from elsewhere.
  const best = { total: Infinity, ms: new Map<string, number>() };
  await runtimeLogits(runtime, ids, shape); // warm-up
  for (let r = 0; r < runs; r++) {
    profile.reset();
    const t0 = performance.now();
    await runtimeLogits(runtime, ids, shape);
    best.total = Math.min(best.total, performance.now() - t0);
    for (const [phase, ms] of profile.ms) best.ms.set(phase, Math.min(best.ms.get(phase) ?? Infinity, ms));
  }
  runtime.profile = null;

  const products = phaseMatmuls(runtime.config, ids.length, HEAD_CHUNK_ROWS);
  const alone = new Map<string, number>();
  for (const [phase, shapes] of products) {
    const operands = shapes.map((s) => ({ a: tf.randomNormal([s.m, s.k]) as TfCore.Tensor2D, b: tf.randomNormal([s.k, s.n]) as TfCore.Tensor2D, count: s.count }));
    alone.set(phase, await minOf(runs, () => {
      const t0 = performance.now();
      for (const { a, b, count } of operands) for (let i = 0; i < count; i++) tf.matMul(a, b).dispose(); // tfjs-wasm runs each kernel synchronously
      return performance.now() - t0;
    }));
    for (const { a, b } of operands) tf.dispose([a, b]);
  }

  const rows: PhaseRow[] = [];
  const row = (phase: string, ms: number, matmulMs: number | null): PhaseRow => ({
    phase,
    'forward ms': ms,
    'share %': (100 * ms) / best.total,
    'its matmuls alone ms': matmulMs,
    'forward / matmuls': matmulMs ? ms / matmulMs : null,
  });
  let phased = 0;
  for (const phase of CPU_PHASES) {
    const ms = best.ms.get(phase);
    if (ms === undefined) continue;
    phased += ms;
    rows.push(row(phase, ms, alone.get(phase) ?? null));
  }
  const attention = (best.ms.get('attention: head split/merge') ?? 0) + (best.ms.get('attention: products + softmax') ?? 0);
  rows.push(row('attention (both)', attention, alone.get('attention: products + softmax') ?? null));
  const linearPhases = ['q/k/v', 'out_proj', 'fc1', 'fc2'];
  rows.push(row('linear layers (q/k/v, out_proj, fc1, fc2)', linearPhases.reduce((sum, p) => sum + (best.ms.get(p as never) ?? 0), 0), linearPhases.reduce((sum, p) => sum + (alone.get(p) ?? 0), 0)));
  rows.push(row('other (JS between phases)', best.total - phased, null));
  rows.push(row('whole forward', best.total, [...alone.values()].reduce((a, b) => a + b, 0)));
  return rows;
}

interface PeerRow {
  engine: string;
  threads: number;
  'min ms': number;
  'median ms': number;
  'tokens/s': number;
  'ours / peer (min)': number;
  'parity (rel)': number | null;
}

/**
 * Our runtime and every ONNX Runtime peer on the same prefill (1 × T, logits at every position, same
 * weights), one run of each in turn per round, `rounds` rounds after each one's warm-up.
 */
async function peerComparison(tf: Tf, config: OptConfig, weights: OptWeights, tokens: number, rounds: number, ortNode: string | null): Promise<{ rows: PeerRow[]; notes: string[] }> {
  const shape = { batch: 1, seqLen: tokens };
  const ids = parityIds(config, shape, 3);
  const modelBytes = buildOnnxModel({ config, weights, companionFiles: [], label: 'OPT-125M shape (random)' }).bytes;
  const runtime = new CpuOptRuntime(tf, config, weights);
  const ours = await runtimeLogits(runtime, ids, shape);
  const notes: string[] = [];
  const specs: { engine: PeerEngine; threads: number }[] = [
    { engine: 'onnxruntime-web', threads: 1 },
    { engine: 'onnxruntime-web', threads: 2 },
  ];
  if (ortNode) specs.push({ engine: 'onnxruntime-node', threads: 1 }, { engine: 'onnxruntime-node', threads: 2 });
  else notes.push(`onnxruntime-node: ${ORT_NODE_HELP}.`);
  const peers: Peer[] = [];
  for (const spec of specs) {
    process.stderr.write(`  starting ${spec.engine}, ${spec.threads} thread(s)…\n`);
    try {
      const peer = await startPeer({ ...spec, modulePath: ortNode ?? undefined, modelBytes, ids, ...shape });
      if (peer.threads !== spec.threads) {
        notes.push(`${spec.engine} asked for ${spec.threads} threads ran with ${peer.threads}: row dropped.`);
        await peer.close();
      } else peers.push(peer);
    } catch (error) {
      notes.push(`${spec.engine}, ${spec.threads} thread(s): failed to start (${error instanceof Error ? error.message : String(error)}).`);
    }
  }
  const times: number[][] = [[], ...peers.map(() => [])];
  try {
    for (let round = 0; round < rounds; round++) {
      const t0 = performance.now();
      await runtimeLogits(runtime, ids, shape);
      times[0].push(performance.now() - t0);
      for (const [i, peer] of peers.entries()) times[i + 1].push(await peer.runOnce());
    }
  } finally {
    runtime.dispose();
    for (const peer of peers) await peer.close();
  }
  const ourMin = Math.min(...times[0]);
  const row = (engine: string, threads: number, runs: number[], parity: number | null): PeerRow => ({
    engine,
    threads,
    'min ms': Math.min(...runs),
    'median ms': [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)],
    'tokens/s': (tokens * 1000) / Math.min(...runs),
    'ours / peer (min)': ourMin / Math.min(...runs),
    'parity (rel)': parity,
  });
  const rows = [row(`ours: CpuOptRuntime (${tfWasmLabel(tf)})`, tfThreads(), times[0], null)];
  for (const [i, peer] of peers.entries()) rows.push(row(peer.label, peer.threads, times[i + 1], maxRelativeError(peer.logits, ours)));
  return { rows, notes };
}

function tfThreads(): number {
  return Math.max(1, getThreadsCount());
}

function tfWasmLabel(tf: Tf): string {
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
  return `tfjs-wasm ${tf.version_core}, ${simd}, ${tfThreads()} thread${tfThreads() === 1 ? '' : 's'}`;
}

/** Which tfjs-wasm build ran here, and why it has no threads in Node. */
function tfWasmNote(tf: Tf): string {
  const threaded = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  if (threaded) return `tfjs-wasm: threaded SIMD build, ${tfThreads()} threads.`;
  return `tfjs-wasm: ${tfWasmLabel(tf)} (the single-threaded build). tfjs-backend-wasm turns threads off under Node ` +
    '(its WASM_HAS_MULTITHREAD_SUPPORT flag is false whenever IS_NODE; tensorflow/tfjs#3830), and forcing the flag on fails: ' +
    "its pthread pool starts each worker from a blob: URL of its glue code, which Node's worker_threads refuse (ERR_WORKER_PATH). " +
    'In the browser the app is cross-origin isolated (COOP same-origin + COEP credentialless), so pages and workers get the threaded SIMD build.';
}

const tf = await nodeTf();
const embeddedConfig = parseOptConfig(JSON.parse(readFileSync(path.join(EMBEDDED, 'config.json'), 'utf8')));
const embeddedWeights = () => loadOptWeights(embeddedConfig, [parseSafetensors(readFileSync(path.join(EMBEDDED, 'model.safetensors')))]);
const big = opt125mConfig();
const embeddedTokens = quick ? Math.min(64, embeddedConfig.maxPositions) : embeddedConfig.maxPositions;
const bigTokens = quick ? 128 : full ? 2048 : 256;

const rows: Row[] = [];
process.stderr.write('CPU path (Node)…\n');
if (!breakdownOnly) {
  rows.push(await benchCpu(tf, 'embedded mini-OPT', embeddedConfig, await embeddedWeights(), embeddedTokens));
  rows.push(await benchCpu(tf, 'OPT-125M shape (random)', big, randomOptWeights(big, new Rng(1)), bigTokens));
}

const peerTokens = quick ? 128 : 256;
const PEER_ROUNDS = quick ? 2 : 4;
process.stderr.write(`Where the CPU forward goes (OPT-125M shape, 1 × ${peerTokens} + logits)…\n`);
const breakdownRuntime = new CpuOptRuntime(tf, big, randomOptWeights(big, new Rng(2)));
const breakdown = await forwardBreakdown(tf, breakdownRuntime, parityIds(big, { batch: 1, seqLen: peerTokens }, 3), quick ? 3 : 5);
breakdownRuntime.dispose();
let peerRows: PeerRow[] = [];
let peerNotes: string[] = ['skipped (--no-peers)'];
if (!skipPeers) {
  process.stderr.write(`Peers on the same prefill (interleaved)…\n`);
  ({ rows: peerRows, notes: peerNotes } = await peerComparison(tf, big, randomOptWeights(big, new Rng(1)), peerTokens, PEER_ROUNDS, findOrtNode(process.argv)));
}

let adapterNote = 'skipped (--cpu-only)';
/** The CPU path in Chromium (cross-origin isolated dev server), 1 XNNPACK thread vs as many as the app asks for. */
const pageCpu: { engine: string; 'cross-origin isolated': string; tokens: number; 'min ms': number; 'ours in Node / this': number }[] = [];
const nodeOurs = peerRows[0]?.['min ms'];
const cpuArgs = { cpuTokens: peerTokens, cpuRuns: quick ? 2 : 3, embeddedTokens: 0, bigTokens: 0, budgetMs: 0, cpuOnly: true };
if (!nodeOnly && !breakdownOnly) {
  for (const wasmThreads of [1, undefined]) {
    process.stderr.write(`CPU path in Chromium, ${wasmThreads ? 'one XNNPACK thread' : 'threads as the app starts tfjs-wasm'}…\n`);
    const { cpu } = await runBrowserBench<OptBrowserResult>('opt', { ...cpuArgs, wasmThreads });
    if (cpu) pageCpu.push({ engine: cpu.engine, 'cross-origin isolated': cpu.crossOriginIsolated ? 'yes' : 'no', tokens: cpu.tokens, 'min ms': cpu.minMs, 'ours in Node / this': nodeOurs ? nodeOurs / cpu.minMs : Number.NaN });
  }
}
if (!skipBrowser && !breakdownOnly) {
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
console.log(`\n${tfWasmNote(tf)}`);
console.log(`\nWhere the CPU forward goes: OPT-125M shape (random weights), one prefill of 1 × ${peerTokens} tokens + logits at every position, the fastest of a few runs.`);
console.log('"its matmuls alone": the phase\'s own products (same shapes, same count) on tensors already in tfjs, no upload, no readback. A linear phase\'s forward time includes its tfjs upload, fused bias/ReLU and readback; attention\'s "products + softmax" also the mask add and softmax.');
console.log(formatTable(breakdown as unknown as Record<string, string | number | null>[]));
console.log(`\nPeers, same run, same prefill (1 × ${peerTokens} + logits, same weights), interleaved, ${PEER_ROUNDS} rounds after a warm-up; parity = max |peer − ours| / (1 + |ours|) over the logits.`);
if (peerRows.length > 0) console.log(formatTable(peerRows as unknown as Record<string, string | number | null>[]));
for (const note of peerNotes) console.log(note);
if (pageCpu.length > 0) {
  console.log(`\nThe CPU path in Chromium (dev server, COOP/COEP: cross-origin isolated), same prefill, min of ${cpuArgs.cpuRuns}; first row pinned to one XNNPACK thread, second as the app starts tfjs-wasm:`);
  console.log(formatTable(pageCpu as unknown as Record<string, string | number | null>[]));
}
console.log(`\nresults: ${writeResults('opt', { rows, breakdown, peers: peerRows, peerNotes, pageCpu, tfWasm: tfWasmNote(tf), adapter: adapterNote, quick, full })}`);
