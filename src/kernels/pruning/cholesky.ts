import type { BlockUpdateSpec } from '../../lib/pruning/blockOps.ts';
import type { GpuContext } from '../gpu.ts';
import { ceilDiv, defineKernel } from '../kernel.ts';
import { uniforms } from '../uniforms.ts';
import addScaledSource from './addScaled.wgsl?raw';
import blockUpdateSource from './blockUpdate.wgsl?raw';
import diagonalSource from './choleskyDiagonal.wgsl?raw';
import triangularSource from './triangularSolve.wgsl?raw';

/**
 * Blocked Cholesky factorisation and right-hand solves in WGSL (f32), for FASP's restoration
 * Z·(G_KK + λI) = W_D·G_DK. CPU twins: `choleskyFactor`/`solveRightCholesky` (src/lib/pruning/cholesky.ts,
 * float64) for the whole, src/lib/pruning/blockOps.ts for the pieces.
 */
export const CHOLESKY_BLOCK = 32;

export const choleskyDiagonalKernel = defineKernel({
  name: 'pruning.choleskyDiagonal',
  source: diagonalSource,
  uniforms: uniforms({ ld: 'u32', k0: 'u32', size: 'u32', block: 'u32' }),
});

export const triangularSolveKernel = defineKernel({
  name: 'pruning.triangularSolve',
  source: triangularSource,
  uniforms: uniforms({ rows: 'u32', ldx: 'u32', rowOffset: 'u32', colOffset: 'u32', size: 'u32', block: 'u32' }),
});

export const blockUpdateKernel = defineKernel({
  name: 'pruning.blockUpdate',
  source: blockUpdateSource,
  uniforms: uniforms({
    m: 'u32', n: 'u32', k: 'u32', lda: 'u32', ldb: 'u32', ldc: 'u32',
    aRow: 'u32', aCol: 'u32', bRow: 'u32', bCol: 'u32', cRow: 'u32', cCol: 'u32',
  }),
});

export const addScaledKernel = defineKernel({
  name: 'pruning.addScaled',
  source: addScaledSource,
  uniforms: uniforms({ length: 'u32', alpha: 'f32' }),
});

const MAX_GROUPS_X = 32768;

/** Records C −= A·op(B) on blocks of larger matrices (see BlockUpdateSpec). */
export function runBlockUpdate(gpu: GpuContext, buffers: { a: GPUBuffer; b: GPUBuffer; c: GPUBuffer }, spec: BlockUpdateSpec): void {
  const { plainB = false, lower = false, ...shape } = spec;
  if (shape.m === 0 || shape.n === 0 || shape.k === 0) return;
  gpu.dispatch({
    kernel: blockUpdateKernel,
    constants: { PLAIN_B: plainB, LOWER: lower },
    uniforms: shape,
    bindings: [buffers.a, buffers.b, buffers.c],
    workgroups: [ceilDiv(shape.n, 64), ceilDiv(shape.m, 64)],
  });
}

/** Records the diagonal-block factorisation at (k0, k0); the factor also goes to slot `block` of diagBlocks. */
export function runCholeskyDiagonal(gpu: GpuContext, buffers: { a: GPUBuffer; diagBlocks: GPUBuffer; status: GPUBuffer }, shape: { ld: number; k0: number; size: number; block: number }): void {
  gpu.dispatch({ kernel: choleskyDiagonalKernel, uniforms: shape, bindings: [buffers.a, buffers.diagBlocks, buffers.status], workgroups: [1] });
}

export function runTriangularSolve(
  gpu: GpuContext,
  buffers: { diagBlocks: GPUBuffer; x: GPUBuffer; panel: GPUBuffer },
  shape: { rows: number; ldx: number; rowOffset: number; colOffset: number; size: number; block: number; backward?: boolean },
): void {
  const { backward = false, ...uniformValues } = shape;
  if (shape.rows === 0) return;
  gpu.dispatch({
    kernel: triangularSolveKernel,
    constants: { BACKWARD: backward },
    uniforms: uniformValues,
    bindings: [buffers.diagBlocks, buffers.x, buffers.panel],
    workgroups: [ceilDiv(shape.rows, 64)],
  });
}

export function runAddScaled(gpu: GpuContext, buffers: { x: GPUBuffer; out: GPUBuffer }, shape: { length: number; alpha: number }): void {
  const groups = Math.max(1, ceilDiv(shape.length, 256));
  const workgroups: [number, number] = groups <= MAX_GROUPS_X ? [groups, 1] : [MAX_GROUPS_X, ceilDiv(groups, MAX_GROUPS_X)];
  gpu.dispatch({ kernel: addScaledKernel, uniforms: shape, bindings: [buffers.x, buffers.out], workgroups });
}

export interface CholeskyFactorGpu {
  /** The factored matrix: L in the lower triangle (the strict upper triangle keeps A's values). */
  l: GPUBuffer;
  n: number;
  /** The diagonal blocks L_kk, 32×32 each. */
  diagBlocks: GPUBuffer;
  /** u32 [1]: 1 when a pivot was not positive (A not positive definite in f32). */
  status: GPUBuffer;
  /** Scratch [n, 32] for panels. */
  panel: GPUBuffer;
}

/**
 * Right-looking blocked Cholesky of a [n, n] matrix in place: for each 32-wide block column k,
 * factor the diagonal block, solve the panel below it (L_ik = A_ik L_kk⁻ᵀ), and subtract
 * L_ik·L_jkᵀ from the trailing lower triangle. Nothing is submitted until a flush or read.
 */
export function choleskyGpu(gpu: GpuContext, a: GPUBuffer, n: number): CholeskyFactorGpu {
  const blocks = ceilDiv(n, CHOLESKY_BLOCK);
  const diagBlocks = gpu.acquire(blocks * CHOLESKY_BLOCK * CHOLESKY_BLOCK * 4, undefined, 'cholesky.diagBlocks');
  const status = gpu.upload(new Uint32Array(4), undefined, 'cholesky.status');
  const panel = gpu.acquire(n * CHOLESKY_BLOCK * 4, undefined, 'cholesky.panel');
  for (let block = 0; block < blocks; block++) {
    const k0 = block * CHOLESKY_BLOCK;
    const size = Math.min(CHOLESKY_BLOCK, n - k0);
    const below = n - k0 - size;
    runCholeskyDiagonal(gpu, { a, diagBlocks, status }, { ld: n, k0, size, block });
    runTriangularSolve(gpu, { diagBlocks, x: a, panel }, { rows: below, ldx: n, rowOffset: k0 + size, colOffset: k0, size, block });
    runBlockUpdate(gpu, { a: panel, b: panel, c: a }, {
      m: below, n: below, k: size, lda: size, ldb: size, ldc: n,
      aRow: 0, aCol: 0, bRow: 0, bCol: 0, cRow: k0 + size, cCol: k0 + size, lower: true,
    });
  }
  return { l: a, n, diagBlocks, status, panel };
}

/**
 * Solves Z·A = M in place on M [rows, n] (each row one right-hand side), A = L·Lᵀ from `choleskyGpu`:
 * Y·Lᵀ = M block column by block column from the left, then Z·L = Y from the right.
 */
export function solveRightGpu(gpu: GpuContext, factor: CholeskyFactorGpu, m: GPUBuffer, rows: number): void {
  const { l, n, diagBlocks } = factor;
  const blocks = ceilDiv(n, CHOLESKY_BLOCK);
  const panel = gpu.acquire(Math.max(1, rows) * CHOLESKY_BLOCK * 4, undefined, 'solve.panel');
  for (let block = 0; block < blocks; block++) {
    const k0 = block * CHOLESKY_BLOCK;
    const size = Math.min(CHOLESKY_BLOCK, n - k0);
    const right = n - k0 - size;
    runTriangularSolve(gpu, { diagBlocks, x: m, panel }, { rows, ldx: n, rowOffset: 0, colOffset: k0, size, block });
    // M[:, right of k] −= Y_k · L[right of k, k]ᵀ
    runBlockUpdate(gpu, { a: panel, b: l, c: m }, {
      m: rows, n: right, k: size, lda: size, ldb: n, ldc: n,
      aRow: 0, aCol: 0, bRow: k0 + size, bCol: k0, cRow: 0, cCol: k0 + size,
    });
  }
  for (let block = blocks - 1; block >= 0; block--) {
    const k0 = block * CHOLESKY_BLOCK;
    const size = Math.min(CHOLESKY_BLOCK, n - k0);
    runTriangularSolve(gpu, { diagBlocks, x: m, panel }, { rows, ldx: n, rowOffset: 0, colOffset: k0, size, block, backward: true });
    // Y[:, left of k] −= Z_k · L[k, left of k]
    runBlockUpdate(gpu, { a: panel, b: l, c: m }, {
      m: rows, n: k0, k: size, lda: size, ldb: n, ldc: n,
      aRow: 0, aCol: 0, bRow: k0, bCol: 0, cRow: 0, cCol: 0, plainB: true,
    });
  }
  gpu.release(panel);
}

export function releaseFactor(gpu: GpuContext, factor: CholeskyFactorGpu): void {
  gpu.release(factor.diagBlocks, factor.status, factor.panel);
}
