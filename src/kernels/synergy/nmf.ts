import { checkpoint, neverCancelled } from '../../lib/cancel.ts';
import {
  BestFits, NMF_EPSILON, NO_CHECK_YET, checkNmfInput, gram, initialFactors, nmfProblems, sumOfSquares,
  type NmfData, type NmfHooks, type NmfProblem, type NmfRun, type NmfSettings,
} from '../../lib/synergy/nmf.ts';
import { BufferUsage, alignTo, type GpuContext } from '../gpu.ts';
import { ceilDiv, defineKernel } from '../kernel.ts';
import { uniforms } from '../uniforms.ts';
import updateHSource from './nmfUpdateH.wgsl?raw';
import updateWSource from './nmfUpdateW.wgsl?raw';

/**
 * NMF on the GPU: every (k, restart) problem of a run advances together, one iteration = two
 * dispatches (nmfUpdateH over chunks × problems, nmfUpdateW over problems), with the same arithmetic
 * as the CPU path (src/lib/synergy/nmfCpu.ts), its twin. Problems whose H do not all fit one buffer
 * are run in groups, one after the other, within the same job.
 *
 * Dispatch overhead, not arithmetic, bounds small problems on a real GPU, so per group the two
 * dispatches are prepared once (one uniform buffer and bind group each, for the group's shape) and
 * `checkEvery` iterations go into one compute pass and one submit. The convergence status (16 bytes
 * per problem) is read back after each such block while the next block is already queued, so the GPU
 * does not idle on the round trip; problems that have converged skip their work in the kernels.
 */
const schema = uniforms({
  m: 'u32', n: 'u32', kStride: 'u32', chunks: 'u32', chunkLength: 'u32', checkEvery: 'u32',
  tolerance: 'f32', normE2: 'f32', epsilon: 'f32',
});

export const nmfUpdateHKernel = defineKernel({ name: 'nmfUpdateH', source: updateHSource, uniforms: schema });
export const nmfUpdateWKernel = defineKernel({ name: 'nmfUpdateW', source: updateWSource, uniforms: schema });

const TILE = 64;
/** At most this many chunks per problem: enough workgroups to fill a GPU, few partial sums to add. */
const MAX_CHUNKS = 64;
const SAMPLES_PER_CHUNK = 2048;
const STATUS_BYTES = 16;

export interface NmfGpuOptions {
  /** Bytes of H one group may hold (default: the device's per-buffer limit, at most 1 GiB). */
  maxGroupBytes?: number;
  /** Fill the scratch sums with NaN first, so a test sees any entry the kernels fail to write. */
  poisonScratch?: boolean;
  /**
   * Record each dispatch on its own (fresh uniform buffer, bind group and pass) and wait for each
   * status read before recording more: how this driver worked before, kept for the benchmark to
   * measure what preparing and overlapping save.
   */
  unbatchedDispatch?: boolean;
}

export async function nmfGpu(gpu: GpuContext, data: NmfData, settings: NmfSettings, hooks: NmfHooks = {}, options: NmfGpuOptions = {}): Promise<NmfRun> {
  checkNmfInput(data, settings);
  const cancel = hooks.cancel ?? neverCancelled;
  const { m, n } = data;
  const problems = nmfProblems(settings.kMax, settings.restarts);
  const limit = Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize, options.maxGroupBytes ?? 2 ** 30);
  const groups = groupProblems(problems, n * 4, limit);
  const chunks = Math.min(MAX_CHUNKS, Math.max(1, ceilDiv(n, SAMPLES_PER_CHUNK)));
  const chunkLength = ceilDiv(ceilDiv(n, chunks), TILE) * TILE;
  const layout = { m, n, kStride: settings.kMax, chunks: ceilDiv(n, chunkLength), chunkLength };
  const normE2 = sumOfSquares(data.e);
  const meanE = data.e.reduce((sum, v) => sum + v, 0) / data.e.length;
  const eBuffer = gpu.upload(data.e, undefined, 'nmf.e');
  const collector = new BestFits(data, settings);
  const totalIterations = problems.length * settings.maxIterations;
  let finishedIterations = 0;
  try {
    for (const group of groups) {
      const state = uploadGroup(gpu, data, group, settings, meanE, layout);
      if (options.poisonScratch) gpu.fill(state.partials, Number.NaN);
      try {
        const uniformValues = { ...layout, checkEvery: settings.checkEvery, tolerance: settings.tolerance, normE2, epsilon: NMF_EPSILON };
        const updateH = { kernel: nmfUpdateHKernel, uniforms: uniformValues, bindings: [eBuffer, state.w, state.wtw, state.h, state.partials, state.info, state.status], workgroups: [layout.chunks, group.length] as const };
        const updateW = { kernel: nmfUpdateWKernel, uniforms: uniformValues, bindings: [state.partials, state.w, state.wtw, state.info, state.status], workgroups: [group.length] as const };
        const prepared = options.unbatchedDispatch ? [] : [gpu.prepare(updateH), gpu.prepare(updateW)];
        let recorded = 0;
        /** Records the next block of iterations and a read of the status after it. */
        const recordBlock = (): StatusRead => {
          const block = Math.min(settings.checkEvery, settings.maxIterations - recorded);
          if (options.unbatchedDispatch) {
            for (let i = 0; i < block; i++) {
              gpu.dispatch(updateH);
              gpu.dispatch(updateW);
            }
          } else {
            gpu.dispatchPrepared(prepared, block);
          }
          recorded += block;
          return { iterations: recorded, bytes: readSoon(gpu, state.status, group.length * STATUS_BYTES) };
        };
        let current: StatusRead | undefined = recordBlock();
        let queued: StatusRead | undefined;
        let status = new Uint32Array(0);
        try {
          while (current) {
            if (!options.unbatchedDispatch && current.iterations < settings.maxIterations) queued = recordBlock();
            status = new Uint32Array(await current.bytes);
            const converged = group.filter((_, p) => status[p * 4 + 3] === 1).length;
            hooks.progress?.({ phase: 'NMF', done: finishedIterations + current.iterations * group.length, total: totalIterations, message: `${converged}/${group.length} fits converged` });
            await checkpoint(cancel);
            if (converged === group.length) break;
            if (options.unbatchedDispatch && current.iterations < settings.maxIterations) queued = recordBlock();
            [current, queued] = [queued, undefined];
          }
        } finally {
          // A block queued past convergence changes nothing (converged problems skip it); let its read finish.
          await queued?.bytes.catch(() => undefined);
          gpu.releasePrepared(...prepared);
        }
        finishedIterations += settings.maxIterations * group.length;
        await keepBest(gpu, collector, group, state, status, { m, n });
      } finally {
        gpu.release(state.w, state.wtw, state.h, state.partials, state.info, state.status);
      }
    }
  } finally {
    gpu.release(eBuffer);
  }
  return collector.finish('webgpu');
}

interface StatusRead {
  /** Iterations recorded when this read was. */
  iterations: number;
  bytes: Promise<ArrayBuffer>;
}

/**
 * Copies `byteLength` bytes of `buffer` to a staging buffer, submits, and maps it at once — before any
 * later work is submitted — so the read waits for the work recorded so far only.
 */
function readSoon(gpu: GpuContext, buffer: GPUBuffer, byteLength: number): Promise<ArrayBuffer> {
  const size = alignTo(byteLength, 4);
  const staging = gpu.device.createBuffer({ label: 'nmf.status.read', size, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  gpu.copy(buffer, staging, size);
  const flushed = gpu.flush();
  const mapped = staging.mapAsync(BufferUsage.MAP_READ);
  return Promise.all([flushed, mapped]).then(
    () => {
      const bytes = staging.getMappedRange().slice(0, byteLength);
      staging.unmap();
      staging.destroy();
      return bytes;
    },
    (error: unknown) => {
      staging.destroy();
      throw error;
    },
  );
}

interface Placed extends NmfProblem {
  wOffset: number;
  hOffset: number;
}

/** Consecutive problems whose H together stay under `limitBytes`. */
function groupProblems(problems: NmfProblem[], bytesPerRow: number, limitBytes: number): Placed[][] {
  const groups: Placed[][] = [];
  let current: Placed[] = [];
  let wOffset = 0;
  let hRows = 0;
  for (const problem of problems) {
    if (problem.k * bytesPerRow > limitBytes) {
      throw new RangeError(`H for k = ${problem.k} needs ${problem.k * bytesPerRow} bytes, over this device's ${limitBytes}-byte buffer limit`);
    }
    if ((hRows + problem.k) * bytesPerRow > limitBytes || current.length === 65535) {
      groups.push(current);
      current = [];
      wOffset = 0;
      hRows = 0;
    }
    current.push({ ...problem, wOffset, hOffset: hRows * (bytesPerRow / 4) });
    wOffset += problem.k;
    hRows += problem.k;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

interface GroupState {
  w: GPUBuffer;
  wtw: GPUBuffer;
  h: GPUBuffer;
  partials: GPUBuffer;
  info: GPUBuffer;
  status: GPUBuffer;
}

function uploadGroup(gpu: GpuContext, data: NmfData, group: Placed[], settings: NmfSettings, meanE: number, layout: { m: number; n: number; kStride: number; chunks: number }): GroupState {
  const { m, n, kStride } = layout;
  const rows = group.reduce((sum, p) => sum + p.k, 0);
  const w = new Float32Array(m * rows);
  const h = new Float32Array(rows * n);
  const wtw = new Float32Array(group.length * kStride * kStride);
  const info = new Uint32Array(group.length * 4);
  const status = new DataView(new ArrayBuffer(group.length * STATUS_BYTES));
  group.forEach((problem, p) => {
    const start = initialFactors(data, problem, settings.seed, meanE);
    w.set(start.w, m * problem.wOffset);
    h.set(start.h, problem.hOffset);
    wtw.set(gram(start.w, m, problem.k), p * kStride * kStride);
    info.set([problem.k, m * problem.wOffset, problem.hOffset, 0], p * 4);
    status.setFloat32(p * STATUS_BYTES, 0, true);
    status.setFloat32(p * STATUS_BYTES + 4, NO_CHECK_YET, true);
  });
  const partialsLength = group.length * layout.chunks * (m + kStride) * kStride;
  return {
    w: gpu.upload(w, undefined, 'nmf.w'),
    wtw: gpu.upload(wtw, undefined, 'nmf.wtw'),
    h: gpu.upload(h, undefined, 'nmf.h'),
    partials: gpu.acquire(partialsLength * 4, undefined, 'nmf.partials'),
    info: gpu.upload(info, undefined, 'nmf.problems'),
    status: gpu.upload(new Uint8Array(status.buffer), undefined, 'nmf.status'),
  };
}

/** Records every restart's VAF and reads back W and H only of fits that beat the best so far. */
async function keepBest(gpu: GpuContext, collector: BestFits, group: Placed[], state: GroupState, status: Uint32Array, shape: { m: number; n: number }): Promise<void> {
  const floats = new Float32Array(status.buffer, status.byteOffset, status.length);
  const winners = new Map<number, number>();
  group.forEach((problem, p) => {
    const vaf = floats[p * 4];
    collector.record(problem.k, problem.restart, vaf, status[p * 4 + 2]);
    const current = winners.get(problem.k);
    if (current === undefined || vaf > floats[current * 4]) winners.set(problem.k, p);
  });
  for (const [k, p] of winners) {
    const vaf = floats[p * 4];
    if (!(vaf > collector.bestVaf(k))) continue;
    const problem = group[p];
    const w = await gpu.readF32(state.w, shape.m * k, shape.m * problem.wOffset);
    const h = await gpu.readF32(state.h, k * shape.n, problem.hOffset);
    collector.add({ k, restart: problem.restart, w, h, vaf, iterations: status[p * 4 + 2], converged: status[p * 4 + 3] === 1 });
  }
}

