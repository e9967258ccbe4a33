/**
 * The GPU pruning benchmark under Node (`npm run bench:gpu`): FASP on an OPT-125M-shaped random model,
 * end to end on the GPU through the `webgpu` package (Dawn), with the GPU-resident pruning step
 * (src/kernels/pruning/resident.ts). Bundled by scripts/bundleNode.ts into .gpu/prune.node.mjs, which a
 * machine with a Vulkan GPU runs without `npm install`. It prints:
 *   1. the adapter's matmul peak (our WGSL matmul, best of a few large squares);
 *   2. each pruning kernel on the model's shapes, timed alone, GFLOP/s and % of that peak;
 *   3. the pipeline's phases, and prune / one dense forward over the same calibration tokens;
 *   4. peak GPU memory from a ledger of every buffer the device created, next to the memory plan
 *      (src/lib/pruning/gpuMemoryPlan.ts) for this run and for 128 × 2048 calibration tokens in 2 GB.
 * Without an adapter it prints "no adapter" and exits 0.
 *   node .gpu/prune.node.mjs [--tiny] [--windows N] [--seq-len L] [--sparsity s]
 */
import { adapterLabel } from '../../src/lib/backend.ts';
import { createGpuContext, formatBytes, type GpuContext } from '../../src/kernels/gpu.ts';
import { runMatmul } from '../../src/kernels/matmul.ts';
import { GpuOptRuntime } from '../../src/kernels/opt/gpuRuntime.ts';
import { choleskyGpu, releaseFactor, solveRightGpu } from '../../src/kernels/pruning/cholesky.ts';
import { columnScoresGpu } from '../../src/kernels/pruning/columnScore.ts';
import { runGather } from '../../src/kernels/pruning/gather.ts';
import { gpuPruneKernels } from '../../src/kernels/pruning/gpuPruneKernels.ts';
import { runGram } from '../../src/kernels/pruning/gram.ts';
import { selectTopColumnsGpu } from '../../src/kernels/pruning/topK.ts';
import { parseOptConfig, type OptConfig } from '../../src/lib/opt/config.ts';
import { forwardHidden } from '../../src/lib/opt/forward.ts';
import { randomOptWeights } from '../../src/lib/opt/randomWeights.ts';
import { windowsPerBatch } from '../../src/lib/pruning/calibration.ts';
import { gpuPruneMemoryPlan } from '../../src/lib/pruning/gpuMemoryPlan.ts';
import { pruneOptModel } from '../../src/lib/pruning/pruneModel.ts';
import { keepCountFor } from '../../src/lib/pruning/topK.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { formatTable, machineDescription, type Row } from '../harness/report.ts';
import { OPT_125M_CONFIG } from '../optShapes.ts';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? Number(args[i + 1]) : fallback;
};
const tiny = flag('--tiny');
const seqLen = value('--seq-len', tiny ? 64 : 2048);
const windows = value('--windows', tiny ? 4 : 2);
const sparsity = value('--sparsity', 0.2);
const TOKENS_PER_BATCH = tiny ? 128 : 2048;
const BUDGET_BYTES = 2e9;

/** A ledger of every buffer the device creates and destroys: current and peak bytes. */
interface Ledger {
  currentBytes: number;
  peakBytes: number;
  destroyUntracked: boolean;
}

function watchBuffers(device: GPUDevice): Ledger {
  const ledger: Ledger = { currentBytes: 0, peakBytes: 0, destroyUntracked: false };
  const create = device.createBuffer.bind(device);
  device.createBuffer = (descriptor: GPUBufferDescriptor) => {
    const buffer = create(descriptor);
    ledger.currentBytes += buffer.size;
    ledger.peakBytes = Math.max(ledger.peakBytes, ledger.currentBytes);
    const destroy = buffer.destroy.bind(buffer);
    let destroyed = false;
    try {
      buffer.destroy = () => {
        if (!destroyed) ledger.currentBytes -= buffer.size;
        destroyed = true;
        destroy();
      };
    } catch {
      ledger.destroyUntracked = true; // a binding that refuses the wrapper: the peak is then an upper bound
    }
    return buffer;
  };
  return ledger;
}

async function openNodeGpu(): Promise<GpuContext | null> {
  try {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    return await createGpuContext(create([]));
  } catch (error) {
    console.error(`webgpu package unavailable: ${(error as Error).message}`);
    return null;
  }
}

/** Best time in ms of `run` (recorded work, then submitted and waited for), after one warm-up. */
async function timeGpu(gpu: GpuContext, run: () => void | Promise<void>, repeats = tiny ? 2 : 5): Promise<number> {
  await run();
  await gpu.finish();
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const started = performance.now();
    await run();
    await gpu.finish();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

async function matmulPeak(gpu: GpuContext): Promise<{ gflops: number; size: number }> {
  let best = { gflops: 0, size: 0 };
  for (const size of tiny ? [256, 512] : [2048, 4096]) {
    const a = gpu.upload(new Rng(1).fillNormal(new Float32Array(size * size)));
    const b = gpu.upload(new Rng(2).fillNormal(new Float32Array(size * size)));
    const out = gpu.acquire(size * size * 4);
    const ms = await timeGpu(gpu, () => void runMatmul(gpu, { a, b, out }, { m: size, n: size, k: size }));
    const gflops = (2 * size ** 3) / ms / 1e6;
    if (gflops > best.gflops) best = { gflops, size };
    gpu.release(a, b, out);
  }
  return best;
}

/** Each kernel of the pruning step alone on the FFN group's shapes (the largest): n = F, d = H, T = one batch. */
async function kernelRows(gpu: GpuContext, config: OptConfig, peak: number): Promise<Row[]> {
  const rng = new Rng(3);
  const n = config.ffnDim;
  const d = config.hiddenSize;
  const T = Math.min(TOKENS_PER_BATCH, windows * seqLen);
  const k = keepCountFor(n, sparsity);
  const dropped = n - k;
  const x = gpu.upload(rng.fillUniform(new Float32Array(T * n)));
  const gram = gpu.acquire(n * n * 4);
  runGram(gpu, { x, gram }, { rows: T, n, accumulate: false });
  const weight = gpu.upload(rng.fillNormal(new Float32Array(d * n)));
  const sumSq = gpu.upload(rng.fillUniform(new Float32Array(n)));
  const rows: Row[] = [];
  const row = (kernel: string, shape: string, ms: number, flops: number | null) =>
    rows.push({ kernel, shape, ms, 'GFLOP/s': flops === null ? null : flops / ms / 1e6, '% of matmul peak': flops === null ? null : (100 * flops) / ms / 1e6 / peak });

  row('gram XᵀX (one triangle, mirrored)', `T ${T}, n ${n}`, await timeGpu(gpu, () => void runGram(gpu, { x, gram }, { rows: T, n })), T * n * (n + 1));
  let scores: GPUBuffer | undefined;
  row('column scores (colReduce + combine)', `${d}×${n}`, await timeGpu(gpu, () => {
    gpu.release(scores);
    scores = columnScoresGpu(gpu, { weight, activationSumSq: sumSq }, { dOut: d, n, tokens: T, metric: 'wanda-l1' });
  }), 2 * d * n);
  let selected: { kept: GPUBuffer; dropped: GPUBuffer } | undefined;
  row('top-k (bitonic sort + kept/dropped)', `n ${n}, keep ${k}`, await timeGpu(gpu, () => {
    if (selected) gpu.release(selected.kept, selected.dropped);
    selected = selectTopColumnsGpu(gpu, scores!, { n, keep: k });
  }), null);
  const { kept, dropped: droppedSet } = selected!;
  let a: GPUBuffer | undefined;
  row('gather G_KK + λI', `${k}×${k}`, await timeGpu(gpu, () => {
    gpu.release(a);
    a = runGather(gpu, { source: gram, rows: kept, cols: kept }, { sourceCols: n, outRows: k, outCols: k, diagonalShift: 1 });
  }), null);
  const gramDK = runGather(gpu, { source: gram, rows: droppedSet, cols: kept }, { sourceCols: n, outRows: dropped, outCols: k });
  const weightD = runGather(gpu, { source: weight, cols: droppedSet }, { sourceCols: n, outRows: d, outCols: dropped });
  let m: GPUBuffer | undefined;
  row('M = W_D·G_DK (matmul)', `${d}×${dropped}·${dropped}×${k}`, await timeGpu(gpu, () => {
    gpu.release(m);
    m = runMatmul(gpu, { a: weightD, b: gramDK }, { m: d, n: k, k: dropped });
  }), 2 * d * dropped * k);
  const spd = gpu.acquire(k * k * 4);
  let factor: ReturnType<typeof choleskyGpu> | undefined;
  row('Cholesky of G_KK + λI (blocked)', `k ${k}`, await timeGpu(gpu, () => {
    if (factor) releaseFactor(gpu, factor);
    gpu.copy(a!, spd, k * k * 4);
    factor = choleskyGpu(gpu, spd, k);
  }), k ** 3 / 3);
  const rhs = gpu.acquire(d * k * 4);
  row('solve Z·(LLᵀ) = M (two triangular)', `${d}×${k}`, await timeGpu(gpu, () => {
    gpu.copy(m!, rhs, d * k * 4);
    solveRightGpu(gpu, factor!, rhs, d);
  }), 2 * d * k * k);
  releaseFactor(gpu, factor!);
  gpu.release(x, gram, weight, sumSq, scores, kept, droppedSet, a, gramDK, weightD, m, spd, rhs);
  return rows;
}

function shapeOf(): OptConfig {
  if (!tiny) return parseOptConfig(OPT_125M_CONFIG);
  return parseOptConfig({ ...OPT_125M_CONFIG, vocab_size: 4096, hidden_size: 128, num_attention_heads: 4, ffn_dim: 512, num_hidden_layers: 2, max_position_embeddings: 256 });
}

const gpu = await openNodeGpu();
if (!gpu) {
  console.log('no adapter: the GPU pruning benchmark needs a WebGPU adapter (Dawn on Vulkan); nothing to time here');
  process.exit(0);
}
const ledger = watchBuffers(gpu.device);
const config = shapeOf();
console.error(`adapter: ${adapterLabel(gpu.adapter)} (fallback ${gpu.adapter.isFallback}, shader-f16 ${gpu.shaderF16})`);
console.error(`model: OPT-125M-shaped random weights${tiny ? ' (--tiny: reduced widths)' : ''}: H ${config.hiddenSize}, F ${config.ffnDim}, ${config.numLayers} layers; calibration ${windows} × ${seqLen} tokens, s = ${sparsity}`);

const peak = await matmulPeak(gpu);
console.error(`matmul peak: ${peak.gflops.toFixed(0)} GFLOP/s (${peak.size}³, f32 WGSL)`);
const kernels = await kernelRows(gpu, config, peak.gflops);

const rng = new Rng(11);
const runtime = await GpuOptRuntime.load(gpu, config, { weights: randomOptWeights(config, rng) });
const calibration = {
  windows: Array.from({ length: windows }, () => Int32Array.from({ length: seqLen }, () => rng.int(config.vocabSize))),
  seqLen,
  label: 'random ids',
};
const perBatch = windowsPerBatch(seqLen, TOKENS_PER_BATCH);
const forwardMs = await timeGpu(gpu, async () => {
  for (let w = 0; w < windows; w += perBatch) {
    const batch = calibration.windows.slice(w, w + perBatch);
    const ids = Int32Array.from(batch.flatMap((window) => [...window]));
    runtime.release(await forwardHidden(runtime, ids, { batch: batch.length, seqLen }));
  }
}, 1);
const started = performance.now();
const result = await pruneOptModel(runtime, calibration, { method: 'fasp', sparsity, allocation: 'uniform', kernels: gpuPruneKernels(gpu), tokensPerBatch: TOKENS_PER_BATCH });
await gpu.finish();
const pruneMs = performance.now() - started;
runtime.dispose();

const phases: Row[] = (['embed', 'calibrate', 'statistics', 'score', 'select', 'restore', 'compact', 'propagate', 'total'] as const).map((phase) => ({
  phase,
  ms: result.timingsMs[phase],
  '% of prune': (100 * result.timingsMs[phase]) / pruneMs,
}));
const plan = (tokens: number) => gpuPruneMemoryPlan({ config, calibrationTokens: tokens, batchTokens: perBatch * seqLen, sparsity });
const thisRun = plan(windows * seqLen);
const full = gpuPruneMemoryPlan({ config: parseOptConfig(OPT_125M_CONFIG), calibrationTokens: 128 * 2048, batchTokens: 2048, sparsity });
const memory: Row[] = thisRun.terms.map((term, i) => ({ term: term.name, 'this run': formatBytes(term.bytes), 'OPT-125M, 128 × 2048': formatBytes(full.terms[i].bytes) }));
memory.push({ term: 'total (plan)', 'this run': formatBytes(thisRun.totalBytes), 'OPT-125M, 128 × 2048': formatBytes(full.totalBytes) });
memory.push({ term: ledger.destroyUntracked ? 'peak (ledger, creations only: upper bound)' : 'peak (buffer ledger)', 'this run': formatBytes(ledger.peakBytes), 'OPT-125M, 128 × 2048': null });

console.error(`\nPruning kernels alone (FFN group shapes), ${adapterLabel(gpu.adapter)}, matmul peak ${peak.gflops.toFixed(0)} GFLOP/s`);
console.error(formatTable(kernels));
console.error(`\nFASP end to end on the GPU: prune ${(pruneMs / 1000).toFixed(2)} s, one dense forward over the calibration ${(forwardMs / 1000).toFixed(2)} s → prune / forward ${(pruneMs / forwardMs).toFixed(2)}`);
console.error('(phases are host-side times: recorded GPU work is waited for at the next read-back, so some of it lands in a later phase)');
console.error(formatTable(phases));
console.error(`\nGPU memory (plan: src/lib/pruning/gpuMemoryPlan.ts; budget ${formatBytes(BUDGET_BYTES)}: 128 × 2048 ${full.totalBytes <= BUDGET_BYTES ? 'fits' : 'does NOT fit'})`);
console.error(formatTable(memory));
console.log(JSON.stringify({
  name: 'prune-gpu-node',
  machine: machineDescription(),
  adapter: gpu.adapter,
  tiny,
  calibration: { windows, seqLen, sparsity },
  matmulPeak: peak,
  kernels,
  pruneMs,
  forwardMs,
  phases,
  memory: { peakBytes: ledger.peakBytes, plan: thisRun, plan128x2048: full },
  kept: result.reports.map((r) => ({ ffn: r.ffn.keptCount, attention: r.attention.keptCount, ffnResidual: r.ffn.relativeResidual, attentionResidual: r.attention.relativeResidual })),
}));
gpu.destroy();
