import type { ElementwiseOp } from '../../lib/opt/ops/elementwise.ts';
import type { GpuContext } from '../gpu.ts';
import { ceilDiv, defineKernel } from '../kernel.ts';
import { uniforms } from '../uniforms.ts';
import { grid2d } from './grid.ts';
import source from './elementwise.wgsl?raw';

/** GPU twin of `elementwiseCpu` (src/lib/opt/ops/elementwise.ts). */
export const elementwiseKernel = defineKernel({
  name: 'opt.elementwise',
  source,
  uniforms: uniforms({ count: 'u32', width: 'u32' }),
});

const OP_CODE: Record<ElementwiseOp, number> = { add: 0, relu: 1, addRowBias: 2 };

/**
 * a ← op(a, b) in place over `count` elements. `b` is [count] for add, [width] for addRowBias, unused
 * for relu.
 */
export function runElementwise(gpu: GpuContext, op: ElementwiseOp, buffers: { a: GPUBuffer; b?: GPUBuffer }, shape: { count: number; width?: number }): GPUBuffer {
  if (shape.count === 0) return buffers.a;
  gpu.dispatch({
    kernel: elementwiseKernel,
    constants: { OP: OP_CODE[op] },
    uniforms: { count: shape.count, width: shape.width ?? 1 },
    bindings: [buffers.a, buffers.b ?? gpu.emptyBinding],
    workgroups: grid2d(gpu, ceilDiv(shape.count, 256)),
  });
  return buffers.a;
}
