import type { GpuContext } from '../gpu.ts';
import { ceilDiv, defineKernel } from '../kernel.ts';
import { uniforms } from '../uniforms.ts';
import bitonicSource from './bitonicSort.wgsl?raw';
import keptSource from './keptIndices.wgsl?raw';

/**
 * Top-k column selection on the GPU, twin of `selectTopColumns` + `complementOf`
 * (src/lib/pruning/topK.ts): a bitonic sort of (score, index) pairs into keep order, then the kept and
 * dropped sets in ascending column order.
 */
export const bitonicSortKernel = defineKernel({
  name: 'pruning.bitonicSort',
  source: bitonicSource,
  uniforms: uniforms({ n: 'u32', padded: 'u32', k: 'u32', j: 'u32' }),
});

export const keptIndicesKernel = defineKernel({
  name: 'pruning.keptIndices',
  source: keptSource,
  uniforms: uniforms({ n: 'u32', keep: 'u32' }),
});

const MAX_GROUPS_X = 32768;

function workgroupsFor(invocations: number): [number, number] {
  const groups = Math.max(1, ceilDiv(invocations, 256));
  return groups <= MAX_GROUPS_X ? [groups, 1] : [MAX_GROUPS_X, ceilDiv(groups, MAX_GROUPS_X)];
}

/** Column indices in keep order [P] (P = n rounded up to a power of two; entries ≥ n are padding). */
export function runBitonicSort(gpu: GpuContext, scores: GPUBuffer, n: number): { indices: GPUBuffer; padded: number } {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`bitonic sort: n must be a positive integer, got ${n}`);
  const padded = 2 ** Math.ceil(Math.log2(n));
  const keys = gpu.acquire(padded * 4, undefined, 'bitonicSort.keys');
  const indices = gpu.acquire(padded * 4, undefined, 'bitonicSort.indices');
  const bindings = [keys, indices, scores];
  gpu.dispatch({ kernel: bitonicSortKernel, constants: { INIT: true }, uniforms: { n, padded, k: 0, j: 0 }, bindings, workgroups: workgroupsFor(padded) });
  for (let k = 2; k <= padded; k *= 2) {
    for (let j = k / 2; j >= 1; j /= 2) {
      gpu.dispatch({ kernel: bitonicSortKernel, uniforms: { n, padded, k, j }, bindings, workgroups: workgroupsFor(padded / 2) });
    }
  }
  gpu.release(keys);
  return { indices, padded };
}

export interface SelectedColumns {
  /** u32 [keep], ascending. */
  kept: GPUBuffer;
  /** u32 [n − keep], ascending. */
  dropped: GPUBuffer;
}

/** The `keep` best-scoring of n columns, and the rest, on the GPU (into `out` when given). */
export function selectTopColumnsGpu(gpu: GpuContext, scores: GPUBuffer, shape: { n: number; keep: number }, out?: SelectedColumns): SelectedColumns {
  const { n, keep } = shape;
  if (!Number.isInteger(keep) || keep < 0 || keep > n) throw new RangeError(`top-k: keep must be an integer in [0, ${n}], got ${keep}`);
  const { indices } = runBitonicSort(gpu, scores, n);
  const marks = gpu.acquire(n * 4, undefined, 'keptIndices.marks');
  const kept = out?.kept ?? gpu.acquire(Math.max(1, keep) * 4, undefined, 'keptIndices.kept');
  const dropped = out?.dropped ?? gpu.acquire(Math.max(1, n - keep) * 4, undefined, 'keptIndices.dropped');
  gpu.dispatch({ kernel: keptIndicesKernel, uniforms: { n, keep }, bindings: [indices, marks, kept, dropped], workgroups: [1] });
  gpu.release(indices, marks);
  return { kept, dropped };
}
