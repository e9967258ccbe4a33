import type { UniformFields, UniformSchema } from './uniforms.ts';

/**
 * A compute kernel as plain data (DESIGN §7): its WGSL, its uniform schema and entry point. Per-run
 * data (buffers, uniform values, workgroup counts) is passed to `GpuContext.dispatch`, and `override`
 * constants select variants, which the pipeline cache keys on explicitly.
 *
 * Binding convention: group 0, binding 0 is `var<uniform> params: Params` (the struct is generated
 * from `uniforms` and prepended); storage buffers follow at bindings 1, 2, … in the order given.
 */
export interface Kernel<F extends UniformFields> {
  name: string;
  source: string;
  uniforms: UniformSchema<F>;
  entryPoint?: string;
}

export type PipelineConstants = Record<string, number | boolean>;

export function defineKernel<F extends UniformFields>(kernel: Kernel<F>): Kernel<F> {
  if (!/var<uniform>\s+params\s*:\s*Params/.test(kernel.source)) {
    throw new Error(`kernel ${kernel.name}: WGSL must declare @binding(0) var<uniform> params: Params`);
  }
  return kernel;
}

export function pipelineKey(name: string, constants: PipelineConstants = {}): string {
  const parts = Object.keys(constants)
    .sort()
    .map((key) => `${key}=${Number(constants[key])}`);
  return `${name}|${parts.join(',')}`;
}

export function ceilDiv(a: number, b: number): number {
  return Math.ceil(a / b);
}
