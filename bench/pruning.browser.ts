import { adapterLabel } from '../src/lib/backend.ts';
import { colReduceCpu } from '../src/lib/linalg/colReduce.ts';
import { CalibrationStatsAccumulator } from '../src/lib/pruning/calibrationStats.ts';
import { compactGroup } from '../src/lib/pruning/compaction.ts';
import { columnScores } from '../src/lib/pruning/metrics.ts';
import { restoreCpu } from '../src/lib/pruning/restoration.ts';
import { keepCountFor, selectTopColumns } from '../src/lib/pruning/topK.ts';
import { Rng } from '../src/lib/util/random.ts';
import { runColReduce } from '../src/kernels/colReduce.ts';
import { createGpuContext, type GpuContext } from '../src/kernels/gpu.ts';
import { columnScoresGpu } from '../src/kernels/pruning/columnScore.ts';
import { compactGroupGpu } from '../src/kernels/pruning/gather.ts';
import { runGram } from '../src/kernels/pruning/gram.ts';
import { gpuRestorationSolver } from '../src/kernels/pruning/restore.ts';
import { selectTopColumnsGpu } from '../src/kernels/pruning/topK.ts';
import { maxRelativeError } from '../tests/helpers/compare.ts';

/**
 * FASP's kernels against their CPU twins at OPT-125M layer sizes (d = 768, F = 3072), in one page on the
 * same inputs: Gram accumulation, activation column norms, column scores + top-k, compaction of a
 * coupled group, and the restoration solve. Each GPU timing includes submitting the work and reading
 * back a result (4 bytes, or what the caller needs), after a warm-up at a small size that compiles the
 * pipelines; CPU timings are the float64 twins as the CPU path runs them.
 */
export interface PruningBenchCase {
  kernel: 'gram' | 'columnNorms' | 'scoreTopK' | 'compact' | 'restore';
  label: string;
  /** Inputs of the consumer: tokens × n, consumer weight d × n. */
  tokens: number;
  n: number;
  d: number;
  sparsity: number;
}

export interface PruningTiming {
  label: string;
  kernel: string;
  gpuMs: number;
  cpuMs: number;
  /** Multiply-adds × 2 where the kernel is arithmetic-bound, else 0. */
  flops: number;
  /** GPU result against the CPU twin (max |Δ| / max |ref|). */
  relativeError: number;
}

interface Args {
  cases: PruningBenchCase[];
  budgetMs?: number;
  maxReps?: number;
}

export async function run(args: Record<string, unknown>, log: (line: string) => void) {
  const { cases, budgetMs = 2000, maxReps = 10 } = args as unknown as Args;
  const gpu = await createGpuContext(navigator.gpu);
  if (!gpu) throw new Error('no WebGPU adapter');
  log(`adapter: ${adapterLabel(gpu.adapter)} (fallback ${gpu.adapter.isFallback})`);
  const rng = new Rng(1);
  await warmUp(gpu, rng);
  const timings: PruningTiming[] = [];
  for (const c of cases) {
    const timing = await BENCHES[c.kernel](gpu, c, rng, { budgetMs, maxReps });
    timings.push(timing);
    log(`${c.label}: GPU ${timing.gpuMs.toFixed(1)} ms, CPU ${timing.cpuMs.toFixed(1)} ms, rel. err ${timing.relativeError.toExponential(1)}`);
  }
  return { adapter: gpu.adapter, timings };
}

type Budget = { budgetMs: number; maxReps: number };
type Bench = (gpu: GpuContext, c: PruningBenchCase, rng: Rng, budget: Budget) => Promise<PruningTiming>;

/** Mean time of `once`, repeated while under budget (one untimed run first when it is cheap). */
async function timed(once: () => Promise<void>, { budgetMs, maxReps }: Budget): Promise<number> {
  const started = performance.now();
  await once();
  const single = performance.now() - started;
  const reps = Math.min(maxReps, Math.floor(budgetMs / Math.max(single, 1e-3)));
  if (reps < 2) return single;
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) await once();
  return (performance.now() - t0) / reps;
}

/** Compiles every pipeline the benchmark uses on small inputs, so no timing pays for compilation. */
async function warmUp(gpu: GpuContext, rng: Rng): Promise<void> {
  const small: PruningBenchCase = { kernel: 'gram', label: 'warm-up', tokens: 40, n: 70, d: 33, sparsity: 0.3 };
  const once: Budget = { budgetMs: 0, maxReps: 1 };
  for (const kernel of Object.keys(BENCHES) as PruningBenchCase['kernel'][]) await BENCHES[kernel](gpu, { ...small, kernel }, rng, once);
}

function statsOf(x: Float32Array, tokens: number, n: number, gram: boolean) {
  const accumulator = new CalibrationStatsAccumulator(n, { gram });
  accumulator.add(x, tokens);
  return accumulator.finish();
}

const BENCHES: Record<PruningBenchCase['kernel'], Bench> = {
  async gram(gpu, c, rng, budget) {
    const x = rng.fillNormal(new Float32Array(c.tokens * c.n)).map((v) => Math.max(0, v)); // ReLU-like
    const xBuffer = gpu.upload(x);
    const gram = gpu.acquire(c.n * c.n * 4);
    const gpuMs = await timed(async () => {
      runGram(gpu, { x: xBuffer, gram }, { rows: c.tokens, n: c.n, accumulate: false });
      await gpu.read(gram, 4);
    }, budget);
    let want: Float64Array | undefined;
    const cpuMs = await timed(async () => void (want = statsOf(x, c.tokens, c.n, true).gram), budget);
    const got = await gpu.readF32(gram, c.n * c.n);
    gpu.release(xBuffer, gram);
    return { label: c.label, kernel: 'gram', gpuMs, cpuMs, flops: c.n * (c.n + 1) * c.tokens, relativeError: maxRelativeError(got, want!) };
  },

  async columnNorms(gpu, c, rng, budget) {
    const x = rng.fillNormal(new Float32Array(c.tokens * c.n));
    const xBuffer = gpu.upload(x);
    const out = gpu.acquire(c.n * 4);
    const gpuMs = await timed(async () => {
      runColReduce(gpu, { matrix: xBuffer, out }, { rows: c.tokens, cols: c.n, reduction: 'sumsq' });
      await gpu.read(out, 4);
    }, budget);
    let want: Float32Array | undefined;
    const cpuMs = await timed(async () => void (want = colReduceCpu(x, c.tokens, c.n, 'sumsq')), budget);
    const got = await gpu.readF32(out, c.n);
    gpu.release(xBuffer, out);
    return { label: c.label, kernel: 'columnNorms', gpuMs, cpuMs, flops: 0, relativeError: maxRelativeError(got, want!) };
  },

  async scoreTopK(gpu, c, rng, budget) {
    const weight = rng.fillNormal(new Float32Array(c.d * c.n));
    const activationSumSq = rng.fillUniform(new Float32Array(c.n), 0, 100);
    const keep = keepCountFor(c.n, c.sparsity);
    const weightBuffer = gpu.upload(weight);
    const sumSqBuffer = gpu.upload(activationSumSq);
    let kept: GPUBuffer | undefined;
    const gpuMs = await timed(async () => {
      const scores = columnScoresGpu(gpu, { weight: weightBuffer, activationSumSq: sumSqBuffer }, { dOut: c.d, n: c.n, tokens: c.tokens, metric: 'wanda-l1' });
      const selected = selectTopColumnsGpu(gpu, scores, { n: c.n, keep });
      await gpu.read(selected.kept, 4);
      gpu.release(kept, scores, selected.dropped);
      kept = selected.kept;
    }, budget);
    const stats = { width: c.n, tokens: c.tokens, colSum: new Float64Array(c.n), colSumSq: Float64Array.from(activationSumSq) };
    let want: Int32Array | undefined;
    const cpuMs = await timed(async () => {
      want = selectTopColumns(columnScores({ kind: 'wanda', norm: 'l1' }, { weight, dOut: c.d, n: c.n }, stats), keep);
    }, budget);
    const got = new Uint32Array(await gpu.read(kept!, keep * 4));
    const mismatches = want!.reduce((count, j, i) => count + (got[i] === j ? 0 : 1), 0);
    gpu.release(kept, weightBuffer, sumSqBuffer);
    return { label: c.label, kernel: 'scoreTopK', gpuMs, cpuMs, flops: 0, relativeError: mismatches / keep };
  },

  async compact(gpu, c, rng, budget) {
    const group = {
      width: c.n,
      hiddenSize: c.d,
      producerWeight: rng.fillNormal(new Float32Array(c.n * c.d)),
      producerBias: rng.fillNormal(new Float32Array(c.n)),
      consumerWeight: rng.fillNormal(new Float32Array(c.d * c.n)),
      consumerBias: rng.fillNormal(new Float32Array(c.d)),
    };
    const keepCount = keepCountFor(c.n, c.sparsity);
    const kept = selectTopColumns(rng.fillUniform(new Float32Array(c.n)), keepCount);
    const buffers = {
      producerWeight: gpu.upload(group.producerWeight),
      producerBias: gpu.upload(group.producerBias),
      consumerWeight: gpu.upload(group.consumerWeight),
      consumerBias: gpu.upload(group.consumerBias),
    };
    const keptBuffer = gpu.upload(Uint32Array.from(kept));
    let out: ReturnType<typeof compactGroupGpu> | undefined;
    const gpuMs = await timed(async () => {
      if (out) gpu.release(out.producerWeight, out.producerBias, out.consumerWeight);
      out = compactGroupGpu(gpu, buffers, keptBuffer, { width: c.n, hiddenSize: c.d, keepCount });
      await gpu.read(out.consumerWeight, 4);
    }, budget);
    let want: ReturnType<typeof compactGroup> | undefined;
    const cpuMs = await timed(async () => void (want = compactGroup({ group, kept })), budget);
    const got = await gpu.readF32(out!.consumerWeight, c.d * keepCount);
    gpu.release(out!.producerWeight, out!.producerBias, out!.consumerWeight, keptBuffer, ...Object.values(buffers));
    return { label: c.label, kernel: 'compact', gpuMs, cpuMs, flops: 0, relativeError: maxRelativeError(got, want!.consumerWeight) };
  },

  async restore(gpu, c, rng, budget) {
    const x = rng.fillNormal(new Float32Array(c.tokens * c.n)).map((v) => Math.max(0, v + 0.3));
    const input = {
      weight: rng.fillNormal(new Float32Array(c.d * c.n), 0.05),
      bias: new Float32Array(c.d),
      dOut: c.d,
      n: c.n,
      kept: selectTopColumns(rng.fillUniform(new Float32Array(c.n)), keepCountFor(c.n, c.sparsity)),
      stats: statsOf(x, c.tokens, c.n, true),
    };
    const options = { dampingDelta: 0.01, refitBias: false };
    const solve = gpuRestorationSolver(gpu);
    let got: Awaited<ReturnType<typeof solve>> | undefined;
    const gpuMs = await timed(async () => void (got = await solve(input, options)), budget);
    let want: ReturnType<typeof restoreCpu> | undefined;
    const cpuMs = await timed(async () => void (want = restoreCpu(input, options)), budget);
    const k = input.kept.length;
    const droppedCount = c.n - k;
    // Cholesky k³/3, two triangular solves 2·d·k², M = W_D·G_DK, residual Z·A: multiply-adds × 2.
    const flops = 2 * (k ** 3 / 3 + 2 * c.d * k * k + c.d * droppedCount * k + c.d * k * k);
    return { label: c.label, kernel: 'restore', gpuMs, cpuMs, flops, relativeError: maxRelativeError(got!.weightKept, want!.weightKept) };
  },
};
