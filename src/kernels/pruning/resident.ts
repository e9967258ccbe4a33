import type { ResidentPruneRequest, ResidentPruneResult, ResidentStats } from '../../lib/pruning/residentStats.ts';
import type { GpuContext } from '../gpu.ts';
import { ceilDiv, defineKernel } from '../kernel.ts';
import { uniforms } from '../uniforms.ts';
import { columnScoresGpu } from './columnScore.ts';
import augmentGramSource from './augmentGram.wgsl?raw';
import firstNonFiniteSource from './firstNonFinite.wgsl?raw';
import { runGather } from './gather.ts';
import { restoreGpu } from './restore.ts';
import { selectTopColumnsGpu } from './topK.ts';

/**
 * One group's FASP step on the GPU from statistics that never left it (twin of scoreGroup →
 * selectTopColumns → restoreCpu, src/lib/pruning/methods.ts):
 *   1. score    S_j = ‖X_j‖₂ · Σ_i |W_ij| (columnScore.wgsl from the resident Σ_t X_tj², colReduce.wgsl on W),
 *               and the first non-finite score (firstNonFinite.wgsl);
 *   2. select   bitonic sort + kept/dropped sets (topK.ts), and diag(G_KK) gathered from the resident Gram;
 *               one read-back: K (keep × u32), diag(G_KK) (keep × f32) and the non-finite flag;
 *               λ = δ · mean(diag G_KK) on the CPU, in float64 over K ascending, as restoreCpu does;
 *   3. restore  restoreGpu (restore.ts) on the resident Gram: G_KK + λI and G_DK gathered, M = W_D G_DK,
 *               blocked Cholesky and solves, W'_K = W_K + Z; read back W'_K (dOut × keep) and the residual.
 *               With the bias refit, the Gram is first augmented with the constant column on the device
 *               (augmentGram.wgsl: [[G, s], [sᵀ, T]]), W with the bias ([W, b]), and the constant column is
 *               kept and not damped, as in restoreCpu; W'_K and b' come back together.
 * The Gram itself (n² floats) and the activations are never read back. W is uploaded once per group.
 */
export const firstNonFiniteKernel = defineKernel({
  name: 'pruning.firstNonFinite',
  source: firstNonFiniteSource,
  uniforms: uniforms({ n: 'u32' }),
});

export const augmentGramKernel = defineKernel({
  name: 'pruning.augmentGram',
  source: augmentGramSource,
  uniforms: uniforms({ n: 'u32', tokens: 'f32' }),
});

const NONE = 0xffffffff;

/** [[G, s], [sᵀ, T]] [(n+1), (n+1)] from the Gram G [n, n] and the column sums s [n] of T tokens. */
export function runAugmentGram(gpu: GpuContext, buffers: { gram: GPUBuffer; colSum: GPUBuffer; out?: GPUBuffer }, shape: { n: number; tokens: number }): GPUBuffer {
  const size = shape.n + 1;
  const out = buffers.out ?? gpu.acquire(size * size * 4, undefined, 'augmentGram.out');
  gpu.dispatch({ kernel: augmentGramKernel, uniforms: shape, bindings: [buffers.gram, buffers.colSum, out], workgroups: [ceilDiv(size, 16), ceilDiv(size, 16)] });
  return out;
}

/** Records firstBad[0] = min(firstBad[0], first j with a non-finite values[j]). */
export function runFirstNonFinite(gpu: GpuContext, buffers: { values: GPUBuffer; firstBad: GPUBuffer }, shape: { n: number }): void {
  gpu.dispatch({ kernel: firstNonFiniteKernel, uniforms: shape, bindings: [buffers.values, buffers.firstBad], workgroups: [Math.max(1, ceilDiv(shape.n, 256))] });
}

export interface ResidentBuffers {
  /** Σ_t X_tj [width]. */
  colSum: GPUBuffer;
  /** Σ_t X_tj² [width]. */
  colSumSq: GPUBuffer;
  /** XᵀX [width, width] (absent when the method asked for no Gram). */
  gram?: GPUBuffer;
}

export class GpuResidentStats implements ResidentStats {
  private released = false;

  constructor(
    private readonly gpu: GpuContext,
    /** The statistics' buffers (read-only to callers; tests watch that the Gram is never read back). */
    readonly buffers: ResidentBuffers,
    readonly width: number,
    readonly tokens: number,
  ) {}

  async prune(request: ResidentPruneRequest): Promise<ResidentPruneResult> {
    const { gpu, buffers, tokens } = this;
    const { weight, bias, dOut, n, keep, metric, restore } = request;
    if (this.released) throw new Error('resident statistics: prune after release');
    if (n !== this.width) throw new RangeError(`resident statistics: width ${this.width}, consumer has ${n} columns`);
    if (!Number.isInteger(keep) || keep < 1 || keep >= n) throw new RangeError(`resident pruning: keep must be in [1, ${n - 1}], got ${keep}`);
    if (weight.length !== dOut * n) throw new RangeError(`resident pruning: W has ${weight.length} values, expected ${dOut}×${n}`);
    if (restore && !buffers.gram) throw new RangeError('resident pruning: the restoration needs the Gram');
    const timingsMs = { score: 0, select: 0, restore: 0 };
    const weightBuffer = gpu.upload(weight, undefined, 'resident.weight');
    const owned: GPUBuffer[] = [weightBuffer];
    try {
      let started = performance.now();
      const scores = columnScoresGpu(gpu, { weight: weightBuffer, activationSumSq: buffers.colSumSq, activationSum: buffers.colSum }, { dOut, n, tokens, metric });
      const firstBad = gpu.upload(new Uint32Array([NONE]), undefined, 'resident.firstBad');
      owned.push(scores, firstBad);
      runFirstNonFinite(gpu, { values: scores, firstBad }, { n });
      await gpu.finish();
      timingsMs.score = performance.now() - started;

      started = performance.now();
      const { kept, dropped } = selectTopColumnsGpu(gpu, scores, { n, keep });
      owned.push(kept, dropped);
      // The report: K, then diag(G_KK) (a gather with row stride n + 1 walks the diagonal), then the flag.
      const report = gpu.acquire((2 * keep + 1) * 4, undefined, 'resident.report');
      owned.push(report);
      gpu.copy(kept, report, keep * 4, 0, 0);
      if (restore) {
        const diagonal = runGather(gpu, { source: buffers.gram!, rows: kept }, { sourceCols: n + 1, outRows: keep, outCols: 1 });
        owned.push(diagonal);
        gpu.copy(diagonal, report, keep * 4, 0, keep * 4);
      }
      gpu.copy(firstBad, report, 4, 0, 2 * keep * 4);
      const bytes = await gpu.read(report, (2 * keep + 1) * 4);
      const keptColumns = Int32Array.from(new Uint32Array(bytes, 0, keep));
      const bad = new Uint32Array(bytes, 2 * keep * 4, 1)[0];
      timingsMs.select = performance.now() - started;
      if (bad !== NONE) return { kept: keptColumns, nonFiniteChannel: bad, timingsMs };
      if (!restore) return { kept: keptColumns, timingsMs };

      started = performance.now();
      const diagonal = new Float32Array(bytes, keep * 4, keep);
      let sum = 0;
      for (const g of diagonal) sum += g;
      const lambda = (restore.dampingDelta * sum) / keep;
      if (!restore.refitBias) {
        const restored = await restoreGpu(gpu, { weight: weightBuffer, gram: buffers.gram!, kept, dropped, dOut, n, keepCount: keep, lambda });
        owned.push(restored.weightKept);
        const weightKept = await gpu.readF32(restored.weightKept, dOut * keep);
        timingsMs.restore = performance.now() - started;
        return { kept: keptColumns, weightKept, lambda, relativeResidual: restored.relativeResidual, timingsMs };
      }
      // The bias refit: X augmented with a constant column n, kept and undamped.
      if (!bias || bias.length !== dOut) throw new RangeError(`resident pruning: the bias refit needs the bias [${dOut}]`);
      const size = n + 1;
      const augmented = new Float32Array(dOut * size); // [W, b]
      for (let r = 0; r < dOut; r++) {
        augmented.set(weight.subarray(r * n, (r + 1) * n), r * size);
        augmented[r * size + n] = bias[r];
      }
      const weightAugmented = gpu.upload(augmented, undefined, 'resident.weightAugmented');
      const gramAugmented = runAugmentGram(gpu, { gram: buffers.gram!, colSum: buffers.colSum }, { n, tokens });
      const keptAugmented = gpu.upload(Uint32Array.from([...keptColumns, n]), undefined, 'resident.keptAugmented');
      owned.push(weightAugmented, gramAugmented, keptAugmented);
      const restored = await restoreGpu(gpu, {
        weight: weightAugmented, gram: gramAugmented, kept: keptAugmented, dropped, dOut, n: size, keepCount: keep + 1, lambda, dampedCount: keep,
      });
      owned.push(restored.weightKept);
      const solved = await gpu.readF32(restored.weightKept, dOut * (keep + 1)); // [W'_K, b']
      const weightKept = new Float32Array(dOut * keep);
      const newBias = new Float32Array(dOut);
      for (let r = 0; r < dOut; r++) {
        weightKept.set(solved.subarray(r * (keep + 1), r * (keep + 1) + keep), r * keep);
        newBias[r] = solved[r * (keep + 1) + keep];
      }
      timingsMs.restore = performance.now() - started;
      return { kept: keptColumns, weightKept, bias: newBias, lambda, relativeResidual: restored.relativeResidual, timingsMs };
    } finally {
      gpu.release(...owned);
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.gpu.release(this.buffers.colSum, this.buffers.colSumSq, this.buffers.gram);
  }
}
