import { adapterLabel } from '../src/lib/backend.ts';
import { formatBytes, type GpuContext } from '../src/kernels/gpu.ts';
import { runMatmul } from '../src/kernels/matmul.ts';
import { GpuOptRuntime } from '../src/kernels/opt/gpuRuntime.ts';
import { choleskyGpu, releaseFactor, solveRightGpu } from '../src/kernels/pruning/cholesky.ts';
import { columnScoresGpu } from '../src/kernels/pruning/columnScore.ts';
import { runGather } from '../src/kernels/pruning/gather.ts';
import { gpuPruneKernels } from '../src/kernels/pruning/gpuPruneKernels.ts';
import { runGram } from '../src/kernels/pruning/gram.ts';
import { selectTopColumnsGpu } from '../src/kernels/pruning/topK.ts';
import { parseOptConfig, type OptConfig } from '../src/lib/opt/config.ts';
import { forwardHidden } from '../src/lib/opt/forward.ts';
import { randomOptWeights } from '../src/lib/opt/randomWeights.ts';
import { windowsPerBatch } from '../src/lib/pruning/calibration.ts';
import { gpuPruneMemoryPlan, optLayerMatrixParameters, optLayerParameters } from '../src/lib/pruning/gpuMemoryPlan.ts';
import { WEIGHT_BYTES, type WeightPrecision } from '../src/lib/util/half.ts';
import { pruneOptModel } from '../src/lib/pruning/pruneModel.ts';
import { keepCountFor } from '../src/lib/pruning/topK.ts';
import { Rng } from '../src/lib/util/random.ts';
import { formatTable, type Row } from './harness/report.ts';
import { OPT_125M_CONFIG } from './optShapes.ts';

/**
 * The GPU pruning benchmark's body (bench/node/prune.node.ts runs it under Node with the `webgpu`
 * package): FASP on an OPT-125M-shaped random model, end to end on the GPU with the GPU-resident step
 * (src/kernels/pruning/resident.ts). It measures
 *   1. the adapter's matmul peak (our WGSL matmul, best of a few large squares);
 *   2. each pruning kernel alone on the FFN group's shapes, GFLOP/s and % of that peak;
 *   3. the pipeline's phases, and prune / one dense forward over the same calibration tokens;
 *   4. peak GPU memory from a ledger of every buffer the device created, next to the memory plan
 *      (src/lib/pruning/gpuMemoryPlan.ts) for this run and for 128 × 2048 calibration tokens in 2 GB.
 */
export interface GpuPruneBenchOptions {
  /** Reduced widths (H 128, F 512, 2 layers) and small shapes: a smoke run on a software adapter. */
  tiny: boolean;
  /** Storage of the weight matrices (`--f16`: halves read as f32, GpuOptRuntime's weightPrecision). */
  weightPrecision: WeightPrecision;
  windows: number;
  seqLen: number;
  sparsity: number;
  log: (line: string) => void;
}

const BUDGET_BYTES = 2e9;

/** A ledger of every buffer the device creates and destroys: current and peak bytes. */
export interface Ledger {
  currentBytes: number;
  peakBytes: number;
  /** The binding refused the destroy wrapper: the peak counts creations only (an upper bound). */
  destroyUntracked: boolean;
}

export function watchBuffers(device: GPUDevice): Ledger {
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
      ledger.destroyUntracked = true;
    }
    return buffer;
  };
  return ledger;
}

/** Best time in ms of `run` (recorded work, then submitted and waited for), after one warm-up. */
async function timeGpu(gpu: GpuContext, run: () => void | Promise<void>, repeats: number): Promise<number> {
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

async function matmulPeak(gpu: GpuContext, sizes: number[], repeats: number): Promise<{ gflops: number; size: number }> {
  let best = { gflops: 0, size: 0 };
  for (const size of sizes) {
    const a = gpu.upload(new Rng(1).fillNormal(new Float32Array(size * size)));
    const b = gpu.upload(new Rng(2).fillNormal(new Float32Array(size * size)));
    const out = gpu.acquire(size * size * 4);
    const ms = await timeGpu(gpu, () => void runMatmul(gpu, { a, b, out }, { m: size, n: size, k: size }), repeats);
    const gflops = (2 * size ** 3) / ms / 1e6;
    if (gflops > best.gflops) best = { gflops, size };
    gpu.release(a, b, out);
  }
  return best;
}

/** Each kernel of the pruning step alone on the FFN group's shapes (the largest): n = F, d = H, T = one batch. */
async function kernelRows(gpu: GpuContext, shape: { config: OptConfig; tokens: number; sparsity: number; repeats: number }, peak: number): Promise<Row[]> {
  const rng = new Rng(3);
  const { config, tokens: T, repeats } = shape;
  const n = config.ffnDim;
  const d = config.hiddenSize;
  const k = keepCountFor(n, shape.sparsity);
  const dropped = n - k;
  const x = gpu.upload(rng.fillUniform(new Float32Array(T * n)));
  const gram = gpu.acquire(n * n * 4);
  runGram(gpu, { x, gram }, { rows: T, n, accumulate: false });
  const weight = gpu.upload(rng.fillNormal(new Float32Array(d * n)));
  const sumSq = gpu.upload(rng.fillUniform(new Float32Array(n)));
  const rows: Row[] = [];
  const time = (run: () => void) => timeGpu(gpu, run, repeats);
  const row = (kernel: string, size: string, ms: number, flops: number | null) =>
    rows.push({ kernel, shape: size, ms, 'GFLOP/s': flops === null ? null : flops / ms / 1e6, '% of matmul peak': flops === null ? null : (100 * flops) / ms / 1e6 / peak });

  row('gram XᵀX (one triangle, mirrored)', `T ${T}, n ${n}`, await time(() => void runGram(gpu, { x, gram }, { rows: T, n })), T * n * (n + 1));
  let scores: GPUBuffer | undefined;
  row('column scores (colReduce + combine)', `${d}×${n}`, await time(() => {
    gpu.release(scores);
    scores = columnScoresGpu(gpu, { weight, activationSumSq: sumSq }, { dOut: d, n, tokens: T, metric: 'wanda-l1' });
  }), 2 * d * n);
  let selected: { kept: GPUBuffer; dropped: GPUBuffer } | undefined;
  row('top-k (bitonic sort + kept/dropped)', `n ${n}, keep ${k}`, await time(() => {
    if (selected) gpu.release(selected.kept, selected.dropped);
    selected = selectTopColumnsGpu(gpu, scores!, { n, keep: k });
  }), null);
  const { kept, dropped: droppedSet } = selected!;
  let a: GPUBuffer | undefined;
  row('gather G_KK + λI', `${k}×${k}`, await time(() => {
    gpu.release(a);
    a = runGather(gpu, { source: gram, rows: kept, cols: kept }, { sourceCols: n, outRows: k, outCols: k, diagonalShift: 1 });
  }), null);
  const gramDK = runGather(gpu, { source: gram, rows: droppedSet, cols: kept }, { sourceCols: n, outRows: dropped, outCols: k });
  const weightD = runGather(gpu, { source: weight, cols: droppedSet }, { sourceCols: n, outRows: d, outCols: dropped });
  let m: GPUBuffer | undefined;
  row('M = W_D·G_DK (matmul)', `${d}×${dropped}·${dropped}×${k}`, await time(() => {
    gpu.release(m);
    m = runMatmul(gpu, { a: weightD, b: gramDK }, { m: d, n: k, k: dropped });
  }), 2 * d * dropped * k);
  const spd = gpu.acquire(k * k * 4);
  let factor: ReturnType<typeof choleskyGpu> | undefined;
  row('Cholesky of G_KK + λI (blocked)', `k ${k}`, await time(() => {
    if (factor) releaseFactor(gpu, factor);
    gpu.copy(a!, spd, k * k * 4);
    factor = choleskyGpu(gpu, spd, k);
  }), k ** 3 / 3);
  const rhs = gpu.acquire(d * k * 4);
  row('solve Z·(LLᵀ) = M (two triangular)', `${d}×${k}`, await time(() => {
    gpu.copy(m!, rhs, d * k * 4);
    solveRightGpu(gpu, factor!, rhs, d);
  }), 2 * d * k * k);
  releaseFactor(gpu, factor!);
  gpu.release(x, gram, weight, sumSq, scores, kept, droppedSet, a, gramDK, weightD, m, spd, rhs);
  return rows;
}

export function benchConfig(tiny: boolean): OptConfig {
  if (!tiny) return parseOptConfig(OPT_125M_CONFIG);
  return parseOptConfig({ ...OPT_125M_CONFIG, vocab_size: 4096, hidden_size: 128, num_attention_heads: 4, ffn_dim: 512, num_hidden_layers: 2, max_position_embeddings: 256 });
}

async function warmUp(gpu: GpuContext): Promise<void> {
  const config = benchConfig(true);
  const runtime = await GpuOptRuntime.load(gpu, config, { weights: randomOptWeights(config, new Rng(5)) });
  const calibration = { windows: [Int32Array.from({ length: 64 }, (_, i) => (i * 7) % config.vocabSize)], seqLen: 64, label: 'warm-up' };
  await pruneOptModel(runtime, calibration, { method: 'fasp', sparsity: 0.2, allocation: 'uniform', kernels: gpuPruneKernels(gpu) });
  runtime.dispose();
}

export async function benchGpuPrune(gpu: GpuContext, ledger: Ledger, options: GpuPruneBenchOptions): Promise<Record<string, unknown>> {
  const { tiny, weightPrecision, windows, seqLen, sparsity, log } = options;
  const config = benchConfig(tiny);
  const tokensPerBatch = tiny ? 128 : 2048;
  const repeats = tiny ? 1 : 5;
  log(`adapter: ${adapterLabel(gpu.adapter)} (fallback ${gpu.adapter.isFallback}, shader-f16 ${gpu.shaderF16})`);
  log(`model: OPT-125M-shaped random weights${tiny ? ' (--tiny: reduced widths)' : ''}: H ${config.hiddenSize}, F ${config.ffnDim}, ${config.numLayers} layers; calibration ${windows} × ${seqLen} tokens, s = ${sparsity}; weight matrices in ${weightPrecision}`);

  // The pipeline first, on a fresh device, so the ledger's peak is its own; on a real model, after a
  // prune of the tiny shape has compiled every pipeline (compiling is not what this measures).
  if (!tiny) await warmUp(gpu);
  const rng = new Rng(11);
  const runtime = await GpuOptRuntime.load(gpu, config, { weights: randomOptWeights(config, rng) }, { weightPrecision });
  const calibration = {
    windows: Array.from({ length: windows }, () => Int32Array.from({ length: seqLen }, () => rng.int(config.vocabSize))),
    seqLen,
    label: 'random ids',
  };
  const perBatch = windowsPerBatch(seqLen, tokensPerBatch);
  const forwardMs = await timeGpu(gpu, async () => {
    for (let w = 0; w < windows; w += perBatch) {
      const batch = calibration.windows.slice(w, w + perBatch);
      const ids = Int32Array.from(batch.flatMap((window) => [...window]));
      runtime.release(await forwardHidden(runtime, ids, { batch: batch.length, seqLen }));
    }
  }, 1);
  // Bytes read back while pruning: the dense layers' weights (the pipeline's CPU copy), K, W'_K and the reports.
  let readBytes = 0;
  const read = gpu.read;
  gpu.read = (buffer, byteLength = buffer.size, byteOffset) => ((readBytes += byteLength), read.call(gpu, buffer, byteLength, byteOffset));
  const started = performance.now();
  const result = await pruneOptModel(runtime, calibration, { method: 'fasp', sparsity, allocation: 'uniform', kernels: gpuPruneKernels(gpu), tokensPerBatch });
  await gpu.finish();
  const pruneMs = performance.now() - started;
  gpu.read = read;
  const peakBytes = ledger.peakBytes;
  runtime.dispose();

  const peak = await matmulPeak(gpu, tiny ? [128, 256] : [2048, 4096], repeats);
  log(`matmul peak: ${peak.gflops.toFixed(1)} GFLOP/s (${peak.size}³, f32 WGSL)`);
  const kernels = await kernelRows(gpu, { config, tokens: Math.min(tokensPerBatch, windows * seqLen), sparsity, repeats }, peak.gflops);

  const phases: Row[] = (['embed', 'calibrate', 'statistics', 'score', 'select', 'restore', 'compact', 'propagate', 'total'] as const).map((phase) => ({
    phase,
    ms: result.timingsMs[phase],
    '% of prune': (100 * result.timingsMs[phase]) / pruneMs,
  }));
  const thisRun = gpuPruneMemoryPlan({ config, calibrationTokens: windows * seqLen, batchTokens: perBatch * seqLen, sparsity, weightPrecision });
  const full = gpuPruneMemoryPlan({ config: benchConfig(false), calibrationTokens: 128 * 2048, batchTokens: 2048, sparsity, weightPrecision });
  const memory: Row[] = thisRun.terms.map((term, i) => ({ term: term.name, 'this run': formatBytes(term.bytes), 'OPT-125M, 128 × 2048': formatBytes(full.terms[i].bytes) }));
  memory.push({ term: 'total (plan)', 'this run': formatBytes(thisRun.totalBytes), 'OPT-125M, 128 × 2048': formatBytes(full.totalBytes) });
  memory.push({ term: ledger.destroyUntracked ? 'peak (ledger, creations only: upper bound)' : 'peak (buffer ledger)', 'this run': formatBytes(peakBytes), 'OPT-125M, 128 × 2048': null });

  log(`\nPruning kernels alone (FFN group shapes), ${adapterLabel(gpu.adapter)}, matmul peak ${peak.gflops.toFixed(1)} GFLOP/s`);
  log(formatTable(kernels));
  log(`\nFASP end to end on the GPU: prune ${(pruneMs / 1000).toFixed(2)} s, one dense forward over the calibration ${(forwardMs / 1000).toFixed(2)} s → prune / forward ${(pruneMs / forwardMs).toFixed(2)}`);
  const gramBytes = config.numLayers * (config.ffnDim ** 2 + config.hiddenSize ** 2) * 4;
  const matrixBytes = WEIGHT_BYTES[weightPrecision];
  const denseWeightBytes = config.ffnDims.reduce(
    (sum, _, l) => sum + optLayerMatrixParameters(config, l) * matrixBytes + (optLayerParameters(config, l) - optLayerMatrixParameters(config, l)) * 4,
    0,
  );
  log(`read back while pruning: ${formatBytes(readBytes)}, of which ${formatBytes(denseWeightBytes)} are the dense layers' weights (the pipeline's CPU copy, compacted there)` +
    ` (the Grams alone would be ${formatBytes(gramBytes)}, the calibration activations ${formatBytes(config.numLayers * windows * seqLen * (config.ffnDim + config.hiddenSize) * 4)})`);
  log('(phases are host-side times: recorded GPU work is waited for at the next read-back, so some of it lands in a later phase)');
  log(formatTable(phases));
  log(`\nGPU memory (plan: src/lib/pruning/gpuMemoryPlan.ts; budget 2 GB: 128 × 2048 ${full.totalBytes <= BUDGET_BYTES ? 'fits' : 'does NOT fit'})`);
  log(formatTable(memory));
  return {
    name: 'prune-gpu',
    adapter: gpu.adapter,
    tiny,
    weightPrecision,
    calibration: { windows, seqLen, sparsity },
    matmulPeak: peak,
    kernels,
    pruneMs,
    forwardMs,
    readBytes,
    phases,
    memory: { peakBytes, destroyUntracked: ledger.destroyUntracked, plan: thisRun, plan128x2048: full },
    kept: result.reports.map((r) => ({ ffn: r.ffn.keptCount, attention: r.attention.keptCount, ffnResidual: r.ffn.relativeResidual, attentionResidual: r.attention.relativeResidual })),
  };
}
