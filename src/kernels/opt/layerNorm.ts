import type { GpuContext } from '../gpu.ts';
import { defineKernel } from '../kernel.ts';
import { uniforms } from '../uniforms.ts';
import { grid2d } from './grid.ts';
import kernelSource from './layerNorm.wgsl?raw';
import workgroupReduce from './workgroupReduce.wgsl?raw';

/** GPU twin of `layerNormCpu` (src/lib/opt/ops/layerNorm.ts). */
export const layerNormKernel = defineKernel({
  name: 'opt.layerNorm',
  source: kernelSource + workgroupReduce,
  uniforms: uniforms({ rows: 'u32', width: 'u32', eps: 'f32' }),
});

export interface LayerNormBuffers {
  x: GPUBuffer;
  /** Both or neither (layer_norm_elementwise_affine). */
  weight: GPUBuffer | null;
  bias: GPUBuffer | null;
  out?: GPUBuffer;
}

export function runLayerNorm(gpu: GpuContext, buffers: LayerNormBuffers, shape: { rows: number; width: number; eps: number }): GPUBuffer {
  const out = buffers.out ?? gpu.acquire(shape.rows * shape.width * 4, undefined, 'layerNorm.out');
  const affine = buffers.weight !== null && buffers.bias !== null;
  gpu.dispatch({
    kernel: layerNormKernel,
    constants: { HAS_AFFINE: affine },
    uniforms: shape,
    bindings: [buffers.x, buffers.weight ?? gpu.emptyBinding, buffers.bias ?? gpu.emptyBinding, out],
    workgroups: grid2d(gpu, shape.rows),
  });
  return out;
}
