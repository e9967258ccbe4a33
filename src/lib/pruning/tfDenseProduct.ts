import type { Tf } from '../opt/cpu/tfLinear.ts';
import { readAndDispose } from '../opt/cpu/tfLinear.ts';
import { CalibrationStatsAccumulator } from './calibrationStats.ts';
import { blockedRestorationSolver } from './blockedRestoration.ts';
import type { DenseProduct } from './denseProduct.ts';
import type { StatsFactory } from './layerRunner.ts';
import type { RestorationSolver } from './methods.ts';
import type { PruningThread } from './statsThread.ts';

/**
 * The fast CPU path of pruning (DESIGN §2): dense products on tfjs (its wasm backend, XNNPACK + SIMD),
 * the rest in typed-array loops. Operands are plain (never transposed: tfjs-wasm's transposed matMul
 * is 6–15× slower) and results are read outside tf.tidy (which would walk a returned typed array).
 */
export function tfDenseProduct(tf: Tf): DenseProduct {
  return (a, b, { m, k, n }) => {
    const left = tf.tensor2d(a, [m, k]);
    const right = tf.tensor2d(b, [k, n]);
    try {
      return readAndDispose(tf.matMul(left, right)); // [m, n]
    } finally {
      left.dispose();
      right.dispose();
    }
  };
}

/** What the second thread of the CPU path computes with (statsThread.ts `serveStats`): the same kernels as `tfPruneKernels`. */
export function tfThreadKernels(tf: Tf): { accumulatorFor: (width: number, gram: boolean, gramStorage?: Float64Array) => CalibrationStatsAccumulator; product: DenseProduct } {
  const product = tfDenseProduct(tf);
  return { accumulatorFor: (width, gram, gramStorage) => new CalibrationStatsAccumulator(width, { gram, product, gramStorage }), product };
}

/**
 * Statistics and restoration for the CPU path, both on tfjs products. `residual` asks the restoration
 * for its relative residual (one more product per consumer; the page does not show it, tests do).
 * `thread`: a second thread (statsThread.ts) adds the statistics and solves half of each restoration's
 * rows, with the same arithmetic (the residual, when asked, keeps the restoration on this thread).
 */
export function tfPruneKernels(tf: Tf, options: { residual?: boolean; thread?: PruningThread } = {}): { stats: StatsFactory<Float32Array>; solver: RestorationSolver } {
  const { accumulatorFor, product } = tfThreadKernels(tf);
  return {
    stats:
      options.thread?.stats ??
      ((width, { gram }) => {
        const accumulator = accumulatorFor(width, gram);
        return { add: (x, rows) => accumulator.add(x, rows), finish: async () => accumulator.finish() };
      }),
    solver: blockedRestorationSolver(product, { residual: options.residual ?? false, helper: options.thread?.restoration }),
  };
}
