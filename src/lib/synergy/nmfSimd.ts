import { NMF_EPSILON, NMF_MAX_K, NO_CHECK_YET, convergenceCheck, gram, updateW, type FitControl, type NmfData, type NmfFit } from './nmf.ts';
import { NMF_KERNEL_WASM_BASE64 } from './nmfKernelWasm.ts';

/**
 * The CPU path's driver for nmfKernel.wat (WebAssembly SIMD): E is copied once into a kernel
 * instance's memory, then the restarts of one k run as a batch, so each pass over E serves all of them.
 * Per iteration the kernel does the pass over the samples (new H, E·Hᵀ, H·Hᵀ) and this file the tiny
 * rest (W update, WᵀW, VAF, convergence) with `updateW`, exactly as `nmfFitFast` does.
 */

/** A block of E and of each H (≤ 32 muscles × 256 samples × 4 B = 32 KiB of E) stays in cache while every problem of the batch uses it. */
const BLOCK_SAMPLES = 256;
/** The kernel takes 8 samples per step: rows are padded to a multiple of this with zeros. */
const SAMPLE_STEP = 8;
const LANE_BYTES = 16;
const DESCRIPTOR_BYTES = 32;
const SCRATCH_BYTES = 2 * NMF_MAX_K * LANE_BYTES;
const PAGE_BYTES = 65536;
/** wasm32 memory ends at 4 GiB. */
const MAX_MEMORY_BYTES = 2 ** 32 - PAGE_BYTES;

interface KernelExports {
  memory: WebAssembly.Memory;
  iterate(e: number, m: number, nPad: number, problems: number, count: number, scratch: number, blockSamples: number, epsilon: number): void;
}

let compiled: Promise<WebAssembly.Module | null> | undefined;

/** The kernel, compiled once per realm; null where the engine lacks WebAssembly SIMD. */
export function nmfKernelModule(): Promise<WebAssembly.Module | null> {
  compiled ??= (async () => {
    if (typeof WebAssembly === 'undefined') return null;
    const bytes = Uint8Array.from(atob(NMF_KERNEL_WASM_BASE64), (c) => c.charCodeAt(0));
    return WebAssembly.validate(bytes) ? WebAssembly.compile(bytes) : null;
  })();
  return compiled;
}

/** One problem of a batch: its factors live in kernel memory at these byte addresses. */
interface BatchProblem {
  w: Float32Array; // [m, k]
  wtw: Float32Array; // [k, k]
  wSplat: number;
  gSplat: number;
  h: number;
  eht: number;
  hht: number;
  vaf: number;
  vafAtCheck: number;
  iterations: number;
  converged: boolean;
}

export interface BatchFit extends Omit<NmfFit, 'restart' | 'h'> {
  /** H [k, n], copied out of kernel memory: valid until the next `fitBatch`. */
  readH(): Float32Array;
}

/** Bytes of kernel memory one problem with k synergies needs on m × n data (its H dominates). */
export function simdProblemBytes(m: number, n: number, k: number): number {
  const nPad = Math.ceil(n / SAMPLE_STEP) * SAMPLE_STEP;
  return align(k * m * LANE_BYTES) + align(k * k * LANE_BYTES) + align(k * nPad * 4) + align(k * m * 8) + align(k * k * 8) + DESCRIPTOR_BYTES;
}

export class NmfSimdFitter {
  private readonly kernel: KernelExports;
  private readonly m: number;
  private readonly n: number;
  /** Samples per padded row. */
  private readonly nPad: number;
  private readonly eAddress: number;
  private readonly normE2: number;

  constructor(module: WebAssembly.Module, data: NmfData, normE2: number) {
    this.kernel = new WebAssembly.Instance(module).exports as unknown as KernelExports;
    this.m = data.m;
    this.n = data.n;
    this.nPad = Math.ceil(data.n / SAMPLE_STEP) * SAMPLE_STEP;
    this.normE2 = normE2;
    this.eAddress = SCRATCH_BYTES;
    this.reserve(this.eAddress + data.m * this.nPad * 4);
    const memory = new Float32Array(this.kernel.memory.buffer);
    for (let i = 0; i < data.m; i++) memory.set(data.e.subarray(i * data.n, (i + 1) * data.n), this.eAddress / 4 + i * this.nPad);
  }

  problemBytes(k: number): number {
    return simdProblemBytes(this.m, this.n, k);
  }

  /**
   * Fits every start (all of one k) together, iteration by iteration; each stops on its own by the
   * shared convergence rule. `afterIteration` gets the batch's iterations so far (a converged problem
   * counts as finished) and may pause, to report progress and check for cancellation.
   */
  async fitBatch(k: number, starts: { w: Float32Array; h: Float32Array }[], control: FitControl, afterIteration?: (done: number) => Promise<void> | void): Promise<BatchFit[]> {
    const { m, n, nPad } = this;
    const descriptors = align(this.eAddress + m * nPad * 4);
    let next = align(descriptors + starts.length * DESCRIPTOR_BYTES);
    const take = (bytes: number) => {
      const address = next;
      next = align(next + bytes);
      return address;
    };
    const problems: BatchProblem[] = starts.map((start) => ({
      w: Float32Array.from(start.w),
      wtw: gram(start.w, m, k),
      wSplat: take(k * m * LANE_BYTES),
      gSplat: take(k * k * LANE_BYTES),
      h: take(k * nPad * 4),
      eht: take(k * m * 8),
      hht: take(k * k * 8),
      vaf: Number.NaN,
      vafAtCheck: NO_CHECK_YET,
      iterations: 0,
      converged: false,
    }));
    this.reserve(next);
    const memory = this.kernel.memory.buffer;
    const f32 = new Float32Array(memory);
    const f64 = new Float64Array(memory);
    const i32 = new Int32Array(memory);
    problems.forEach((problem, p) => {
      for (let r = 0; r < k; r++) {
        const row = problem.h / 4 + r * nPad;
        f32.set(starts[p].h.subarray(r * n, (r + 1) * n), row);
        f32.fill(0, row + n, row + nPad);
      }
      i32.set([k, problem.wSplat, problem.gSplat, problem.h, problem.eht, problem.hht, 1, 0], (descriptors + p * DESCRIPTOR_BYTES) / 4);
    });

    for (let iteration = 0; iteration < control.maxIterations; iteration++) {
      const active = problems.filter((problem) => !problem.converged);
      if (active.length === 0) break;
      for (const problem of active) {
        splat(f32, problem.wSplat, problem.w, (r, i) => i * k + r, k, m);
        splat(f32, problem.gSplat, problem.wtw, (r, s) => r * k + s, k, k);
        f64.fill(0, problem.eht / 8, problem.eht / 8 + k * m);
        f64.fill(0, problem.hht / 8, problem.hht / 8 + k * k);
      }
      this.kernel.iterate(this.eAddress, m, nPad, descriptors, problems.length, 0, BLOCK_SAMPLES, NMF_EPSILON);
      problems.forEach((problem, p) => {
        if (problem.converged) return;
        const ehtByRow = f64.slice(problem.eht / 8, problem.eht / 8 + k * m); // [k, m]
        const hht = f64.slice(problem.hht / 8, problem.hht / 8 + k * k); // [k, k], lower triangle
        for (let r = 0; r < k; r++) for (let s = r + 1; s < k; s++) hht[r * k + s] = hht[s * k + r];
        ({ wtw: problem.wtw, vaf: problem.vaf } = updateW(problem.w, ehtByRow, hht, { m, k, normE2: this.normE2 }));
        problem.iterations++;
        ({ vafAtCheck: problem.vafAtCheck, converged: problem.converged } = convergenceCheck(problem.iterations, problem.vaf, problem.vafAtCheck, control));
        if (problem.converged) i32[(descriptors + p * DESCRIPTOR_BYTES + 24) / 4] = 0;
      });
      await afterIteration?.(problems.reduce((sum, problem) => sum + (problem.converged ? control.maxIterations : problem.iterations), 0));
    }

    return problems.map((problem) => ({
      k,
      w: problem.w,
      vaf: problem.vaf,
      iterations: problem.iterations,
      converged: problem.converged,
      readH: () => {
        const h = new Float32Array(k * n); // [k, n]
        const rows = new Float32Array(this.kernel.memory.buffer);
        for (let r = 0; r < k; r++) h.set(rows.subarray(problem.h / 4 + r * nPad, problem.h / 4 + r * nPad + n), r * n);
        return h;
      },
    }));
  }

  private reserve(bytes: number): void {
    if (bytes > MAX_MEMORY_BYTES) throw new RangeError(`NMF on the CPU path needs ${bytes} bytes of WebAssembly memory, over its 4 GiB limit: use fewer samples`);
    const memory = this.kernel.memory;
    const pages = Math.ceil(bytes / PAGE_BYTES) - memory.buffer.byteLength / PAGE_BYTES;
    if (pages > 0) memory.grow(pages);
  }
}

/** Writes values[index(a, b)] for a < rows, b < cols as lanes [rows, cols, 4] at byte `address`. */
function splat(f32: Float32Array, address: number, values: Float32Array, index: (a: number, b: number) => number, rows: number, cols: number): void {
  let at = address / 4;
  for (let a = 0; a < rows; a++) {
    for (let b = 0; b < cols; b++) {
      const value = values[index(a, b)];
      f32[at] = value;
      f32[at + 1] = value;
      f32[at + 2] = value;
      f32[at + 3] = value;
      at += 4;
    }
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / LANE_BYTES) * LANE_BYTES;
}
