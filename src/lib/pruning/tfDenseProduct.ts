import type { Tf } from '../opt/cpu/tfLinear.ts';
import { readAndDispose } from '../opt/cpu/tfLinear.ts';
import { CalibrationStatsAccumulator } from './calibrationStats.ts';
import { blockedRestorationSolver } from './blockedRestoration.ts';
import type { DenseProduct } from './denseProduct.ts';
import type { StatsFactory } from './layerRunner.ts';
import type { RestorationSolver } from './methods.ts';

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

/** A statistics accumulator whose dense Gram chunks go through tfjs products (this thread's, or a statistics thread's: statsThread.ts). */
export function tfStatsAccumulator(tf: Tf): (width: number, gram: boolean) => CalibrationStatsAccumulator {
  const product = tfDenseProduct(tf);
  return (width, gram) => new CalibrationStatsAccumulator(width, { gram, product });
}

/**
 * Statistics and restoration for the CPU path, both on tfjs products. `residual` asks the restoration
 * for its relative residual (one more product per consumer; the page does not show it, tests do).
 * `stats` replaces the statistics (a statistics thread's `threadedStatsFactory`, same arithmetic).
 */
export function tfPruneKernels(tf: Tf, options: { residual?: boolean; stats?: StatsFactory<Float32Array> } = {}): { stats: StatsFactory<Float32Array>; solver: RestorationSolver } {
  const accumulatorFor = tfStatsAccumulator(tf);
  return {
    stats:
      options.stats ??
      ((width, { gram }) => {
        const accumulator = accumulatorFor(width, gram);
        return { add: (x, rows) => accumulator.add(x, rows), finish: async () => accumulator.finish() };
      }),
    solver: blockedRestorationSolver(tfDenseProduct(tf), { residual: options.residual ?? false }),
  };
}
