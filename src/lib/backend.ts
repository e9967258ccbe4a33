/**
 * Which compute backend a worker uses (DESIGN §2): WebGPU on a hardware adapter, the CPU path
 * otherwise. Software adapters (SwiftShader) run WGSL ~100× slower than our CPU path, so they count as
 * no GPU unless the user (or a test) forces `?backend=webgpu`.
 */
export type BackendName = 'webgpu' | 'cpu';

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallback: boolean;
  shaderF16: boolean;
}

export interface BackendChoice {
  backend: BackendName;
  adapter: AdapterSummary | null;
  reason: string;
}

export function parseBackendOverride(value: string | null | undefined): BackendName | undefined {
  if (value === 'webgpu' || value === 'cpu') return value;
  return undefined;
}

/** True for software rasterisers that report themselves as ordinary adapters. */
export function isSoftwareAdapter(info: Pick<AdapterSummary, 'vendor' | 'architecture' | 'description' | 'isFallback'>): boolean {
  if (info.isFallback) return true;
  const text = `${info.vendor} ${info.architecture} ${info.description}`.toLowerCase();
  return /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/.test(text);
}

export function chooseBackend(adapter: AdapterSummary | null, override?: BackendName): BackendChoice {
  if (override === 'cpu') return { backend: 'cpu', adapter, reason: 'forced by ?backend=cpu' };
  if (!adapter) {
    return { backend: 'cpu', adapter, reason: override ? 'WebGPU requested but no adapter is available' : 'no WebGPU adapter' };
  }
  if (override === 'webgpu') return { backend: 'webgpu', adapter, reason: 'forced by ?backend=webgpu' };
  if (isSoftwareAdapter(adapter)) {
    return { backend: 'cpu', adapter, reason: `software adapter (${adapterLabel(adapter)}) is slower than the CPU path` };
  }
  return { backend: 'webgpu', adapter, reason: 'hardware adapter' };
}

export function adapterLabel(adapter: AdapterSummary): string {
  const name = adapter.description || adapter.device || adapter.architecture || 'unknown adapter';
  return adapter.vendor ? `${adapter.vendor} ${name}` : name;
}
