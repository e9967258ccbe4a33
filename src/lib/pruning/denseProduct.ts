import { matmulCpu } from '../linalg/matmul.ts';

/**
 * C = A·B for row-major A [m, k] and B [k, n], float32 in and out: the one dense operation the fast CPU
 * path of pruning hands to an optimised library (tfjs-wasm, see tfDenseProduct.ts). Everything that
 * needs O(n³) or O(tokens·n²) work is arranged as plain products (no transposed operands: tfjs-wasm
 * runs those 6–15× slower), so the rest stays in typed-array loops.
 */
export type DenseProduct = (a: Float32Array, b: Float32Array, shape: { m: number; k: number; n: number }) => Float32Array;

/** The plain TypeScript product (float64 sums): the reference, and the fallback with no tfjs. */
export const jsDenseProduct: DenseProduct = (a, b, { m, k, n }) => matmulCpu(a, b, { m, k, n });
