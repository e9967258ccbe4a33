import { matmulCpu } from '../lib/linalg/matmul.ts';
import { Rng } from '../lib/util/random.ts';
import { runMatmul } from '../kernels/matmul.ts';
import { openBackend } from './backend.ts';
import { exposeWorker } from './job.ts';

/** Answers "what will compute here?" for the header badge, and runs a small kernel self-test. */
const api = {
  async probe(override?: string | null) {
    const { choice, gpu } = await openBackend(override);
    const limits = gpu
      ? { maxBufferSize: gpu.limits.maxBufferSize, maxStorageBufferBindingSize: gpu.limits.maxStorageBufferBindingSize }
      : undefined;
    gpu?.destroy();
    return { ...choice, limits, crossOriginIsolated: Boolean(globalThis.crossOriginIsolated) };
  },

  /** Multiplies random 100×70 · 70×90 matrices on the chosen backend and on the CPU twin. */
  async selfTest(override?: string | null) {
    const { choice, gpu } = await openBackend(override ?? 'webgpu');
    if (!gpu) return { backend: choice.backend, reason: choice.reason, maxRelativeError: null };
    const rng = new Rng(Date.now());
    const [m, k, n] = [100, 70, 90];
    const a = rng.fillUniform(new Float32Array(m * k));
    const b = rng.fillUniform(new Float32Array(k * n));
    const started = performance.now();
    const out = runMatmul(gpu, { a: gpu.upload(a), b: gpu.upload(b) }, { m, n, k });
    const got = await gpu.readF32(out, m * n);
    const gpuMs = performance.now() - started;
    const want = matmulCpu(a, b, { m, n, k });
    let maxDiff = 0;
    let maxRef = 0;
    for (let i = 0; i < want.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
      maxRef = Math.max(maxRef, Math.abs(want[i]));
    }
    gpu.destroy();
    return { backend: choice.backend, reason: choice.reason, maxRelativeError: maxDiff / maxRef, gpuMs };
  },
};

export type SystemApi = typeof api;
exposeWorker(api);
