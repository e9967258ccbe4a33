import { InputError } from '../../lib/errors.ts';
import type { RestorationSolver } from '../../lib/pruning/methods.ts';
import { restoreCpu } from '../../lib/pruning/restoration.ts';
import { complementOf } from '../../lib/pruning/topK.ts';
import { runColReduce } from '../colReduce.ts';
import type { GpuContext } from '../gpu.ts';
import { runMatmul } from '../matmul.ts';
import { choleskyGpu, releaseFactor, runAddScaled, solveRightGpu } from './cholesky.ts';
import { runGather } from './gather.ts';

/**
 * FASP's restoration on the GPU (issue #4, §3), f32:
 *   A = G_KK + λI and G_DK cut out of G (gather.wgsl), W_K and W_D out of W,
 *   M = W_D · G_DK (matmul.wgsl), Z·A = M by blocked Cholesky (cholesky.ts), W'_K = W_K + Z,
 *   and the relative residual ‖Z·A − M‖_F / ‖M‖_F.
 * The float64 twin is `restoreCpu` (src/lib/pruning/restoration.ts).
 */
export interface RestoreGpuInput {
  /** Consumer weight [dOut, n]. */
  weight: GPUBuffer;
  /** Gram [n, n]. */
  gram: GPUBuffer;
  /** u32 ascending [keepCount] and [n − keepCount]. */
  kept: GPUBuffer;
  dropped: GPUBuffer;
  dOut: number;
  n: number;
  keepCount: number;
  lambda: number;
  /** Diagonal entries of A that get λ (default all; the bias refit leaves its constant column undamped). */
  dampedCount?: number;
}

export interface RestoreGpuOutput {
  /** W'_K [dOut, keepCount]. */
  weightKept: GPUBuffer;
  relativeResidual: number;
  timingsMs: { assemble: number; factor: number; solve: number };
}

export async function restoreGpu(gpu: GpuContext, input: RestoreGpuInput): Promise<RestoreGpuOutput> {
  const { weight, gram, kept, dropped, dOut, n, keepCount: k, lambda } = input;
  const droppedCount = n - k;
  if (k < 1 || droppedCount < 1) throw new RangeError(`restoreGpu: needs at least one kept and one dropped column, got ${k} of ${n}`);
  const bytes = dOut * k * 4;

  let started = performance.now();
  const a = runGather(gpu, { source: gram, rows: kept, cols: kept }, { sourceCols: n, outRows: k, outCols: k, diagonalShift: lambda, shiftedDiagonal: input.dampedCount ?? k }); // G_KK + λI  [k, k]
  const aCopy = gpu.acquire(k * k * 4, undefined, 'restore.a');
  gpu.copy(a, aCopy, k * k * 4);
  const gramDK = runGather(gpu, { source: gram, rows: dropped, cols: kept }, { sourceCols: n, outRows: droppedCount, outCols: k }); // [|D|, k]
  const weightD = runGather(gpu, { source: weight, cols: dropped }, { sourceCols: n, outRows: dOut, outCols: droppedCount }); // [dOut, |D|]
  const weightKept = runGather(gpu, { source: weight, cols: kept }, { sourceCols: n, outRows: dOut, outCols: k }); // [dOut, k]
  const m = runMatmul(gpu, { a: weightD, b: gramDK }, { m: dOut, n: k, k: droppedCount }); // W_D G_DK  [dOut, k]
  const mOriginal = gpu.acquire(bytes, undefined, 'restore.m');
  gpu.copy(m, mOriginal, bytes);
  gpu.release(gramDK, weightD);
  await gpu.finish();
  const assemble = performance.now() - started;

  started = performance.now();
  const factor = choleskyGpu(gpu, a, k);
  await gpu.finish();
  const factorMs = performance.now() - started;

  started = performance.now();
  solveRightGpu(gpu, factor, m, dOut); // m ← Z
  runAddScaled(gpu, { x: m, out: weightKept }, { length: dOut * k, alpha: 1 });
  const product = runMatmul(gpu, { a: m, b: aCopy }, { m: dOut, n: k, k }); // Z·A  [dOut, k]
  runAddScaled(gpu, { x: mOriginal, out: product }, { length: dOut * k, alpha: -1 });
  const residualSq = runColReduce(gpu, { matrix: product }, { rows: dOut, cols: k, reduction: 'sumsq' });
  const referenceSq = runColReduce(gpu, { matrix: mOriginal }, { rows: dOut, cols: k, reduction: 'sumsq' });
  const [residualColumns, referenceColumns, status] = [await gpu.readF32(residualSq, k), await gpu.readF32(referenceSq, k), new Uint32Array(await gpu.read(factor.status, 4))];
  const solve = performance.now() - started;
  releaseFactor(gpu, factor);
  gpu.release(a, aCopy, m, mOriginal, product, residualSq, referenceSq);
  if (status[0] !== 0) {
    gpu.release(weightKept);
    throw new InputError('Restoration failed on the GPU: G_KK + λI is not positive definite in float32', 'Increase the damping δ or use more calibration tokens.');
  }
  const sum = (values: Float32Array) => values.reduce((total, v) => total + v, 0);
  const reference = sum(referenceColumns);
  const relativeResidual = reference === 0 ? Math.sqrt(sum(residualColumns)) : Math.sqrt(sum(residualColumns) / reference);
  return { weightKept, relativeResidual, timingsMs: { assemble, factor: factorMs, solve } };
}

/**
 * A RestorationSolver (src/lib/pruning/methods.ts) that runs the solve on the GPU: it uploads W and
 * the Gram (augmented with the constant column for the bias refit), picks λ exactly as the CPU path
 * does, and reads W'_K (and the refit bias) back.
 */
export function gpuRestorationSolver(gpu: GpuContext): RestorationSolver {
  return async (input, options) => {
    const { weight, bias, dOut, n, kept, stats } = input;
    const dropped = complementOf(kept, n);
    if (dropped.length === 0 || !stats.gram) return restoreCpu(input, options);
    const refit = options.refitBias;
    const size = n + (refit ? 1 : 0);
    const gram = new Float32Array(size * size);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) gram[i * size + j] = stats.gram[i * n + j];
      if (refit) gram[i * size + n] = gram[n * size + i] = stats.colSum[i];
    }
    if (refit) gram[n * size + n] = stats.tokens;
    const augmented = new Float32Array(dOut * size); // [W, b]
    for (let r = 0; r < dOut; r++) {
      augmented.set(weight.subarray(r * n, (r + 1) * n), r * size);
      if (refit) augmented[r * size + n] = bias[r];
    }
    const keptAugmented = refit ? Int32Array.from([...kept, n]) : kept;
    let lambda = 0;
    for (const j of kept) lambda += stats.gram[j * n + j];
    lambda = (options.dampingDelta * lambda) / kept.length;

    const buffers = {
      weight: gpu.upload(augmented),
      gram: gpu.upload(gram),
      kept: gpu.upload(Uint32Array.from(keptAugmented)),
      dropped: gpu.upload(Uint32Array.from(dropped)),
    };
    try {
      const k = keptAugmented.length;
      const out = await restoreGpu(gpu, { ...buffers, dOut, n: size, keepCount: k, lambda, dampedCount: kept.length });
      const restored = await gpu.readF32(out.weightKept, dOut * k);
      gpu.release(out.weightKept);
      const weightKept = new Float32Array(dOut * kept.length);
      const newBias = bias.slice();
      for (let r = 0; r < dOut; r++) {
        weightKept.set(restored.subarray(r * k, r * k + kept.length), r * kept.length);
        if (refit) newBias[r] = restored[r * k + kept.length];
      }
      return { weightKept, bias: newBias, lambda, relativeResidual: out.relativeResidual, timingsMs: out.timingsMs };
    } finally {
      gpu.release(buffers.weight, buffers.gram, buffers.kept, buffers.dropped);
    }
  };
}
