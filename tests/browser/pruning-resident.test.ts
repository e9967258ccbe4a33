import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/kernels/gpu.ts';
import { GpuOptRuntime } from '../../src/kernels/opt/gpuRuntime.ts';
import { gpuPruneKernels } from '../../src/kernels/pruning/gpuPruneKernels.ts';
import { GpuResidentStats, runAugmentGram } from '../../src/kernels/pruning/resident.ts';
import { CpuOptRuntime } from '../../src/lib/opt/cpu/cpuRuntime.ts';
import type { Tf } from '../../src/lib/opt/cpu/tfLinear.ts';
import { windowNll } from '../../src/lib/opt/forward.ts';
import type { OptRuntime } from '../../src/lib/opt/runtime.ts';
import { cpuStatsFactory, type StatsFactory, type StatsSink } from '../../src/lib/pruning/layerRunner.ts';
import { pruneOptModel, type PruneKernels, type PruneModelResult } from '../../src/lib/pruning/pruneModel.ts';
import type { ResidentStats } from '../../src/lib/pruning/residentStats.ts';
import type { WeightPrecision } from '../../src/lib/util/half.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { tf, useTfBackend } from '../../src/workers/tfBackend.ts';
import { maxRelativeError } from '../helpers/compare.ts';
import { randomIds, variant } from '../helpers/optModels.ts';
import { poisoned, testGpu } from './gpu.ts';

/**
 * The GPU-resident pruning step (src/kernels/pruning/resident.ts: statistics from the WebGPU runtime's
 * own activation buffers, FASP scores, top-k and restoration on the device) against the CPU path
 * (CpuOptRuntime, float64 statistics, restoreCpu) on the same tiny random OPT and calibration: same kept
 * channels in every layer and group, pruned perplexity within 1e-3 relative, and the Gram never read back.
 */
const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
console.info(`[pruning-resident] seed ${seed}`);
const rng = new Rng(seed);

const MODEL = variant('pre-LN (125m-like)', rng.int(1000)); // hidden 24, 3 heads, FFN 40, 2 layers
const SEQ_LEN = 16;
const CALIBRATION = { windows: Array.from({ length: 4 }, () => Int32Array.from({ length: SEQ_LEN }, () => rng.int(MODEL.config.vocabSize))), seqLen: SEQ_LEN, label: 'random ids' };
const EVAL = Int32Array.from({ length: 3 * SEQ_LEN }, () => rng.int(MODEL.config.vocabSize));
/** Two windows per batch: the statistics stream over two chunks. */
const OPTIONS = { method: 'fasp' as const, sparsity: 0.5, allocation: 'uniform' as const, tokensPerBatch: 2 * SEQ_LEN, settings: { refitBias: false } };

async function perplexity<H>(runtime: OptRuntime<H>): Promise<number> {
  const nll = await windowNll(runtime, EVAL, { batch: 3, seqLen: SEQ_LEN });
  return Math.exp(nll.reduce((sum, v) => sum + v, 0) / nll.length);
}

async function prunedOnCpu(options = OPTIONS): Promise<{ result: PruneModelResult; perplexity: number }> {
  await useTfBackend('wasm');
  const runtime = new CpuOptRuntime(tf as unknown as Tf, MODEL.config, structuredClone(MODEL.weights));
  try {
    const result = await pruneOptModel(runtime, CALIBRATION, { ...options, kernels: { stats: cpuStatsFactory } });
    return { result, perplexity: await perplexity(runtime) };
  } finally {
    runtime.dispose();
  }
}

/**
 * Watches a GPU stats factory: which buffers are the Gram (the upload of width² floats made by the
 * factory), whether one is read back while it lives, how many groups were finished on the device, and
 * lets a test tamper with resident statistics before they are used.
 */
function watched(gpu: GpuContext, tamper?: (stats: GpuResidentStats, index: number) => void) {
  const base = gpuPruneKernels(gpu);
  const inner = base.stats as StatsFactory<Float32Array | GPUBuffer>;
  const live = new Set<GPUBuffer>();
  const counts = { gramReads: 0, resident: 0, readBack: 0 };
  const read = gpu.read;
  gpu.read = (buffer, ...rest) => {
    if (live.has(buffer)) counts.gramReads++;
    return read.call(gpu, buffer, ...rest);
  };
  const stats: StatsFactory<Float32Array | GPUBuffer> = (width, options) => {
    const upload = gpu.upload;
    const created: GPUBuffer[] = [];
    gpu.upload = (...args) => {
      const buffer = upload.apply(gpu, args);
      created.push(buffer);
      return buffer;
    };
    let sink: StatsSink<Float32Array | GPUBuffer>;
    try {
      sink = inner(width, options);
    } finally {
      gpu.upload = upload;
    }
    const grams = options.gram ? created.filter((b) => b.size >= width * width * 4) : [];
    grams.forEach((b) => live.add(b));
    const forget = () => grams.forEach((b) => live.delete(b));
    return {
      add: (x, rows) => sink.add(x, rows),
      finish: async () => {
        counts.readBack++;
        try {
          return await sink.finish();
        } finally {
          forget();
        }
      },
      finishResident: async (): Promise<ResidentStats> => {
        const resident = (await sink.finishResident!()) as GpuResidentStats;
        tamper?.(resident, counts.resident);
        counts.resident++;
        return { width: resident.width, tokens: resident.tokens, prune: (request) => resident.prune(request), release: () => (forget(), resident.release()) };
      },
    };
  };
  return { kernels: { ...base, stats } satisfies PruneKernels, counts, unwatch: () => (gpu.read = read) };
}

async function prunedOnGpu(
  kernels: (gpu: GpuContext) => PruneKernels,
  options = OPTIONS,
  weightPrecision: WeightPrecision = 'f32',
): Promise<{ result: PruneModelResult; perplexity: number; densePerplexity: number; activationReads: number }> {
  const gpu = await testGpu();
  const runtime = await GpuOptRuntime.load(gpu, MODEL.config, { weights: structuredClone(MODEL.weights) }, { weightPrecision });
  const read = runtime.read;
  let activationReads = 0;
  runtime.read = (x) => (activationReads++, read.call(runtime, x));
  try {
    const densePerplexity = await perplexity(runtime);
    const result = await pruneOptModel(runtime, CALIBRATION, { ...options, kernels: kernels(gpu) });
    return { result, perplexity: await perplexity(runtime), densePerplexity, activationReads };
  } finally {
    runtime.dispose();
  }
}

const keptOf = (result: PruneModelResult) => result.reports.map((r) => ({ ffn: [...r.ffn.kept], attention: [...r.attention.kept] }));

let cpu: Promise<{ result: PruneModelResult; perplexity: number }> | undefined;
const onCpu = () => (cpu ??= prunedOnCpu());

describe('the GPU-resident FASP step', () => {
  it('keeps the channels the CPU path keeps, with the same perplexity, and never reads the Gram or the activations back', async () => {
    const gpu = await testGpu();
    const watch = watched(gpu);
    let onGpu;
    try {
      onGpu = await prunedOnGpu(() => watch.kernels);
    } finally {
      watch.unwatch();
    }
    const want = await onCpu();
    expect(keptOf(onGpu.result)).toEqual(keptOf(want.result));
    onGpu.result.reports.forEach((report, l) => {
      for (const group of ['ffn', 'attention'] as const) {
        expect(Math.abs(report[group].lambda! / want.result.reports[l][group].lambda! - 1)).toBeLessThan(1e-4);
        expect(report[group].relativeResidual).toBeLessThan(1e-3);
      }
    });
    console.info(`[pruning-resident] perplexity: CPU ${want.perplexity.toFixed(4)}, GPU-resident ${onGpu.perplexity.toFixed(4)}`);
    expect(Math.abs(onGpu.perplexity / want.perplexity - 1)).toBeLessThanOrEqual(1e-3);
    expect(watch.counts).toEqual({ gramReads: 0, resident: 2 * MODEL.config.numLayers, readBack: 0 });
    expect(onGpu.activationReads).toBe(0);
  });

  it('with f16 weights (halves widened to f32): the f32 path’s kept channels and perplexity', async () => {
    const full = await prunedOnGpu(gpuPruneKernels);
    const half = await prunedOnGpu(gpuPruneKernels, OPTIONS, 'f16');
    const want = keptOf(full.result);
    const got = keptOf(half.result);
    let kept = 0;
    let shared = 0;
    got.forEach((layer, l) => {
      for (const group of ['ffn', 'attention'] as const) {
        const wanted = new Set(want[l][group]);
        kept += wanted.size;
        shared += layer[group].filter((j) => wanted.has(j)).length;
      }
    });
    const relative = (a: number, b: number) => Math.abs(a / b - 1);
    console.info(
      `[pruning-resident] f16 weights: ${kept - shared} of ${kept} kept channels differ from f32; perplexity dense ${full.densePerplexity.toFixed(5)} → ${half.densePerplexity.toFixed(5)} (rel ${relative(half.densePerplexity, full.densePerplexity).toExponential(2)}), pruned ${full.perplexity.toFixed(5)} → ${half.perplexity.toFixed(5)} (rel ${relative(half.perplexity, full.perplexity).toExponential(2)})`,
    );
    // Rounding moves each score by ~2⁻¹² relative, so a channel whose score ties the k-th one to that
    // precision may swap (none did in the runs recorded in docs/pruning-gpu.md); with fresh seeds every
    // run, the test asks for ≥ 95 % overlap rather than equality, so a rare near-tie does not fail it.
    expect(shared / kept).toBeGreaterThanOrEqual(0.95);
    expect(half.densePerplexity).not.toBe(full.densePerplexity); // the halves are really in use
    // Measured ≤ 6.3e-4 relative (dense and pruned) over four seeds; 5e-3 leaves room for other seeds.
    expect(relative(half.densePerplexity, full.densePerplexity)).toBeLessThanOrEqual(5e-3);
    expect(relative(half.perplexity, full.perplexity)).toBeLessThanOrEqual(5e-3);
  });

  it('with the bias refit: the same channels and perplexity as the CPU path, the Gram still on the device', async () => {
    const gpu = await testGpu();
    const options = { ...OPTIONS, settings: { refitBias: true } };
    const watch = watched(gpu);
    let onGpu;
    try {
      onGpu = await prunedOnGpu(() => watch.kernels, options);
    } finally {
      watch.unwatch();
    }
    const want = await prunedOnCpu(options);
    expect(keptOf(onGpu.result)).toEqual(keptOf(want.result));
    console.info(`[pruning-resident] bias refit, perplexity: CPU ${want.perplexity.toFixed(4)}, GPU-resident ${onGpu.perplexity.toFixed(4)}`);
    expect(Math.abs(onGpu.perplexity / want.perplexity - 1)).toBeLessThanOrEqual(1e-3);
    expect(watch.counts).toEqual({ gramReads: 0, resident: 2 * MODEL.config.numLayers, readBack: 0 });
  });

  for (const name of ['pre-LN (125m-like)', 'post-LN with project_in/out (350m-like)']) {
    it(`the WebGPU runtime's captureInputs (no fc2, no output) captures what layer() does: ${name}`, async () => {
      const gpu = await testGpu();
      const { config, weights } = variant(name, rng.int(1000));
      const runtime = await GpuOptRuntime.load(gpu, config, { weights });
      try {
        const x = await runtime.embed(randomIds(rng, 2 * 7, config.vocabSize), { batch: 2, seqLen: 7 });
        const capture = { outProjInput: true, fc2Input: true };
        const full = await runtime.layer(1, x, { capture });
        const only = await runtime.captureInputs(1, x, capture);
        expect(await runtime.read(only.outProjInput!)).toEqual(await runtime.read(full.outProjInput!));
        expect(await runtime.read(only.fc2Input!)).toEqual(await runtime.read(full.fc2Input!));
        const attentionOnly = await runtime.captureInputs(1, x, { outProjInput: true });
        expect(attentionOnly.fc2Input).toBeUndefined();
        expect(await runtime.read(attentionOnly.outProjInput!)).toEqual(await runtime.read(full.outProjInput!));
        runtime.release(x, full.hidden, full.outProjInput, full.fc2Input, only.outProjInput, only.fc2Input, attentionOnly.outProjInput);
      } finally {
        runtime.dispose();
      }
    });
  }

  for (const n of [5, 70]) {
    it(`augmentGram.wgsl builds [[G, s], [sᵀ, T]] for n = ${n}`, async () => {
      const gpu = await testGpu();
      const gram = rng.fillNormal(new Float32Array(n * n));
      const colSum = rng.fillNormal(new Float32Array(n));
      const tokens = 37;
      const out = poisoned(gpu, (n + 1) ** 2);
      runAugmentGram(gpu, { gram: gpu.upload(gram), colSum: gpu.upload(colSum), out }, { n, tokens });
      const want = new Float32Array((n + 1) ** 2);
      for (let i = 0; i <= n; i++) {
        for (let j = 0; j <= n; j++) want[i * (n + 1) + j] = i < n && j < n ? gram[i * n + j] : i === n && j === n ? tokens : colSum[Math.min(i, j)];
      }
      expect(maxRelativeError(await gpu.readF32(out, (n + 1) ** 2), want)).toBe(0);
    });
  }

  it('the watch sees the Gram read back when the statistics are finished on the CPU side (the non-resident route)', async () => {
    const gpu = await testGpu();
    const watch = watched(gpu);
    const cpuSide: PruneKernels = {
      ...watch.kernels,
      stats: (width, options) => {
        const sink = (watch.kernels.stats as StatsFactory<Float32Array | GPUBuffer>)(width, options);
        return { add: sink.add, finish: sink.finish };
      },
    };
    let onGpu;
    try {
      onGpu = await prunedOnGpu(() => cpuSide);
    } finally {
      watch.unwatch();
    }
    expect(watch.counts.resident).toBe(0);
    expect(watch.counts.gramReads).toBe(2 * MODEL.config.numLayers);
    expect(keptOf(onGpu.result)).toEqual(keptOf((await onCpu()).result));
  });

  it('would catch wrong scores: zeroing the kept channels’ activation norms in layer 0 changes the kept FFN channels', async () => {
    const gpu = await testGpu();
    const want = await onCpu();
    const keptFfn = want.result.reports[0].ffn.kept;
    const watch = watched(gpu, (stats, index) => {
      if (index !== 0) return; // layer 0's FFN group is finished first
      for (const j of keptFfn) gpu.write(stats.buffers.colSumSq, new Float32Array([0]), j * 4);
    });
    let onGpu;
    try {
      onGpu = await prunedOnGpu(() => watch.kernels);
    } finally {
      watch.unwatch();
    }
    expect([...onGpu.result.reports[0].ffn.kept]).not.toEqual([...keptFfn]);
    expect(keptOf(onGpu.result)).not.toEqual(keptOf(want.result));
  });
});
