import type { CalibrationStats } from './calibrationStats.ts';
import { complementOf } from './topK.ts';

/**
 * FLAP's bias compensation (An et al. 2024): the dropped channels' mean contribution moves into the
 * consumer's bias, b' = b + W_{:,D} · mean(X_{:,D}), so the layer's mean output over the calibration
 * tokens is unchanged. Float64 sums.
 */
export function compensateBias(
  consumer: { weight: Float32Array; bias: Float32Array; dOut: number; n: number },
  kept: Int32Array,
  stats: CalibrationStats,
): Float32Array {
  const { weight, bias, dOut, n } = consumer;
  if (stats.width !== n) throw new RangeError(`bias compensation: statistics of width ${stats.width}, expected ${n}`);
  const dropped = complementOf(kept, n);
  const compensated = bias.slice();
  if (stats.tokens === 0) return compensated;
  for (let i = 0; i < dOut; i++) {
    let shift = 0;
    for (const d of dropped) shift += weight[i * n + d] * (stats.colSum[d] / stats.tokens);
    compensated[i] = bias[i] + shift;
  }
  return compensated;
}
