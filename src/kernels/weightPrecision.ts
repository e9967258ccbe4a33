import type { WeightPrecision } from '../lib/util/half.ts';
import f16Source from './weightsF16.wgsl?raw';
import f32Source from './weightsF32.wgsl?raw';

/**
 * How a kernel's weights (binding 2) are stored: f32, or IEEE halves packed two per u32
 * (packHalves, src/lib/util/half.ts). Either way the kernel computes in f32.
 */
export { WEIGHT_BYTES, type WeightPrecision } from '../lib/util/half.ts';

/** WGSL declaring binding 2 as `weights` and `fn weightAt(i: u32) -> f32`, appended to a kernel body. */
export const weightReaderSource: Record<WeightPrecision, string> = { f32: f32Source, f16: f16Source };
