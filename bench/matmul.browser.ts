import { adapterLabel } from '../src/lib/backend.ts';
import { createGpuContext } from '../src/kernels/gpu.ts';
import { tf, useTfBackend } from '../src/workers/tfBackend.ts';
import { benchMatmul } from './matmul.ts';
import type { MatmulShape } from './matmulShapes.ts';

/** The matmul benchmark in a page: WGSL, tfjs-webgpu and tfjs-wasm side by side. */
export async function run(args: Record<string, unknown>, log: (line: string) => void) {
  const { shapes, budgetMs = 3000 } = args as { shapes: MatmulShape[]; budgetMs?: number };
  const gpu = await createGpuContext(navigator.gpu);
  if (!gpu) throw new Error('no WebGPU adapter');
  log(`adapter: ${adapterLabel(gpu.adapter)} (fallback ${gpu.adapter.isFallback})`);
  const timings = await benchMatmul({
    gpu,
    tf,
    useTfBackend: async (name) => (await useTfBackend(name)) === name,
    tfBackends: ['webgpu', 'wasm'],
    shapes,
    budgetMs,
    log,
  });
  return { adapter: gpu.adapter, tfWasmThreads: globalThis.crossOriginIsolated, timings };
}
