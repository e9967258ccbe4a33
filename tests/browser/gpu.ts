import { adapterLabel } from '../../src/lib/backend.ts';
import { createGpuContext, type GpuContext } from '../../src/kernels/gpu.ts';

/**
 * The test device: Chromium's WebGPU (SwiftShader here), in debug mode so validation errors fail the
 * test. Prints the adapter once, so the test log says what really ran the WGSL.
 */
let shared: Promise<GpuContext> | undefined;

export function testGpu(): Promise<GpuContext> {
  shared ??= createGpuContext(navigator.gpu, { debug: true }).then((gpu) => {
    if (!gpu) throw new Error('No WebGPU adapter in this browser: browser tests need one (see DESIGN §5)');
    console.info(`[webgpu] adapter: ${adapterLabel(gpu.adapter)} (architecture ${gpu.adapter.architecture}, fallback ${gpu.adapter.isFallback})`);
    return gpu;
  });
  return shared;
}

/** Uploads a copy of `data` into a storage buffer. */
export function upload(gpu: GpuContext, data: Float32Array): GPUBuffer {
  return gpu.upload(data);
}

/** An output buffer filled with NaN, so unwritten elements fail the comparison. */
export function poisoned(gpu: GpuContext, length: number): GPUBuffer {
  const buffer = gpu.acquire(length * 4);
  gpu.fill(buffer, Number.NaN, length * 4);
  return buffer;
}
