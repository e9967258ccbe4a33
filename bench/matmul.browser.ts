import { adapterLabel } from '../src/lib/backend.ts';
import { Rng } from '../src/lib/util/random.ts';
import { createGpuContext, type GpuContext } from '../src/kernels/gpu.ts';
import { runMatmul } from '../src/kernels/matmul.ts';
import { tf, useTfBackend } from '../src/workers/tfBackend.ts';

/**
 * Matmul GFLOP/s of our WGSL kernel, tfjs-webgpu `matMul` and tfjs-wasm `matMul`, in one page on the
 * same inputs. Each timing covers `reps` products and one read-back of the last one, after a warm-up
 * that compiles the pipelines, so every implementation pays the same fixed costs.
 */
export interface MatmulShape {
  label: string;
  m: number;
  k: number;
  n: number;
}

export interface MatmulTiming {
  shape: string;
  impl: string;
  ms: number;
  gflops: number;
}

interface Args {
  shapes: MatmulShape[];
  /** Stop repeating once this much time has been spent on one (shape, impl). */
  budgetMs?: number;
  maxReps?: number;
}

export async function run(args: Record<string, unknown>, log: (line: string) => void) {
  const { shapes, budgetMs = 3000, maxReps = 20 } = args as unknown as Args;
  const gpu = await createGpuContext(navigator.gpu);
  if (!gpu) throw new Error('no WebGPU adapter');
  log(`adapter: ${adapterLabel(gpu.adapter)} (fallback ${gpu.adapter.isFallback})`);
  const rng = new Rng(1);
  const timings: MatmulTiming[] = [];
  for (const shape of shapes) {
    const a = rng.fillUniform(new Float32Array(shape.m * shape.k));
    const b = rng.fillUniform(new Float32Array(shape.k * shape.n));
    const flops = 2 * shape.m * shape.k * shape.n;
    const record = (impl: string, ms: number) => {
      timings.push({ shape: shape.label, impl, ms, gflops: flops / (ms * 1e6) });
      log(`${shape.label} ${impl}: ${ms.toFixed(2)} ms, ${(flops / (ms * 1e6)).toFixed(2)} GFLOP/s`);
    };
    record('wgsl', await timeWgsl(gpu, a, b, shape, budgetMs, maxReps));
    record('tfjs-webgpu', await timeTf('webgpu', a, b, shape, budgetMs, maxReps));
    record('tfjs-wasm', await timeTf('wasm', a, b, shape, budgetMs, maxReps));
  }
  return { adapter: gpu.adapter, tfWasmThreads: globalThis.crossOriginIsolated, timings };
}

async function repeatTimed(once: (reps: number) => Promise<void>, budgetMs: number, maxReps: number): Promise<number> {
  await once(1); // warm-up: compile, allocate
  const started = performance.now();
  await once(1);
  const single = performance.now() - started;
  const reps = Math.max(1, Math.min(maxReps, Math.floor(budgetMs / Math.max(single, 1e-3))));
  if (reps === 1) return single;
  const t0 = performance.now();
  await once(reps);
  return (performance.now() - t0) / reps;
}

function timeWgsl(gpu: GpuContext, a: Float32Array, b: Float32Array, s: MatmulShape, budgetMs: number, maxReps: number) {
  const aBuffer = gpu.upload(a);
  const bBuffer = gpu.upload(b);
  const out = gpu.acquire(s.m * s.n * 4);
  return repeatTimed(async (reps) => {
    for (let r = 0; r < reps; r++) runMatmul(gpu, { a: aBuffer, b: bBuffer, out }, { m: s.m, n: s.n, k: s.k });
    await gpu.read(out, 4);
  }, budgetMs, maxReps);
}

async function timeTf(backend: 'webgpu' | 'wasm', a: Float32Array, b: Float32Array, s: MatmulShape, budgetMs: number, maxReps: number) {
  await useTfBackend(backend);
  const aT = tf.tensor2d(a, [s.m, s.k]);
  const bT = tf.tensor2d(b, [s.k, s.n]);
  try {
    return await repeatTimed(async (reps) => {
      const results: tf.Tensor[] = [];
      for (let r = 0; r < reps; r++) results.push(tf.matMul(aT, bT));
      await results[results.length - 1].data();
      tf.dispose(results);
    }, budgetMs, maxReps);
  } finally {
    tf.dispose([aT, bT]);
  }
}
