import { createGpuContext, type GpuContext } from '../../src/kernels/gpu.ts';

/**
 * A GpuContext on the `webgpu` package (Dawn) for the Node benchmarks, or null where the package or an
 * adapter is missing (the reason goes to stderr): the caller then says what it cannot time.
 */
export async function openNodeGpu(): Promise<GpuContext | null> {
  try {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    return await createGpuContext(create([]));
  } catch (error) {
    console.error(`webgpu package unavailable: ${(error as Error).message}`);
    return null;
  }
}
