import { isSoftwareAdapter } from '../../src/lib/backend.ts';

/**
 * tfjs-webgpu under Node on a hardware adapter (the `webgpu` package, Dawn), for the training benches.
 * Software adapters are skipped (DESIGN §2), so such a machine's rows say "no adapter" and why.
 */
export interface NodeTfWebgpu {
  /** Why webgpu rows cannot run here, or null when they can. */
  missing: string | null;
  /** The adapter, when there is one. */
  label: string;
}

export async function openNodeTfWebgpu(): Promise<NodeTfWebgpu> {
  try {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const gpu = create([]);
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { missing: 'no adapter', label: '' };
    const info = adapter.info;
    const summary = { vendor: info.vendor, architecture: info.architecture, description: info.description, isFallback: (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false };
    if (isSoftwareAdapter(summary)) return { missing: `no adapter (only ${info.vendor} ${info.architecture}, software)`, label: '' };
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
    await import('@tensorflow/tfjs-backend-webgpu');
    return { missing: null, label: `${info.vendor} ${info.architecture} ${info.description}`.trim() };
  } catch (error) {
    return { missing: `no adapter (${(error as Error).message.split('\n')[0]})`, label: '' };
  }
}

interface TfBackends {
  getBackend(): string;
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
}

/** Switches tfjs to `name` (no-op when it is already on it), or says it could not. */
export async function useTfBackend(tf: TfBackends, name: 'wasm' | 'webgpu'): Promise<void> {
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) throw new Error(`tfjs could not start ${name}`);
  await tf.ready();
}
