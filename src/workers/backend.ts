import { chooseBackend, parseBackendOverride, type BackendChoice } from '../lib/backend.ts';
import { createGpuContext, type GpuContext } from '../kernels/gpu.ts';

/**
 * Opens the compute backend for one worker (DESIGN §2): a GpuContext when WebGPU is chosen, else null
 * (the CPU path). `override` comes from the page's `?backend=` setting.
 */
export interface OpenBackend {
  choice: BackendChoice;
  gpu: GpuContext | null;
}

export async function openBackend(override?: string | null, options: { debug?: boolean } = {}): Promise<OpenBackend> {
  const forced = parseBackendOverride(override);
  const gpuApi = (globalThis.navigator as Navigator | undefined)?.gpu;
  let gpu: GpuContext | null = null;
  if (forced !== 'cpu') {
    try {
      // Dev builds check every dispatch for validation errors; production builds skip the cost.
      gpu = await createGpuContext(gpuApi, { debug: options.debug ?? Boolean(import.meta.env?.DEV) });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { choice: { backend: 'cpu', adapter: null, reason: `WebGPU device could not be created: ${reason}` }, gpu: null };
    }
  }
  const choice = chooseBackend(gpu?.adapter ?? null, forced);
  if (choice.backend === 'cpu' && gpu) {
    gpu.destroy();
    gpu = null;
  }
  return { choice, gpu };
}
