import type * as tfjs from '@tensorflow/tfjs';
import { Rng } from '../src/lib/util/random.ts';
import type { GpuContext } from '../src/kernels/gpu.ts';
import { runMatmul } from '../src/kernels/matmul.ts';
import type { MatmulShape, MatmulTiming } from './matmulShapes.ts';

/**
 * Matmul GFLOP/s of our WGSL kernel next to TensorFlow.js `matMul` on its backends, on the same inputs,
 * in one process (a page, or Node with the `webgpu` package). Each timing covers `reps` products and
 * one read-back of the last, after a warm-up that compiles pipelines, so all implementations pay the
 * same fixed costs.
 */
export interface MatmulBenchOptions {
  gpu: GpuContext | null;
  tf: typeof tfjs;
  /** Switches TensorFlow.js to a backend, returning false when it is unavailable here. */
  useTfBackend: (name: 'webgpu' | 'wasm') => Promise<boolean>;
  tfBackends: ('webgpu' | 'wasm')[];
  shapes: MatmulShape[];
  /** Stop repeating once this much time has been spent on one (shape, impl). */
  budgetMs: number;
  maxReps?: number;
  log: (line: string) => void;
}

export async function benchMatmul(options: MatmulBenchOptions): Promise<MatmulTiming[]> {
  const { gpu, tf, shapes, budgetMs, maxReps = 20, log } = options;
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
    if (gpu) record('wgsl', await timeWgsl(gpu, a, b, shape, budgetMs, maxReps));
    for (const backend of options.tfBackends) {
      if (await options.useTfBackend(backend)) record(`tfjs-${backend}`, await timeTf(tf, a, b, shape, budgetMs, maxReps));
    }
  }
  return timings;
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

async function timeWgsl(gpu: GpuContext, a: Float32Array, b: Float32Array, s: MatmulShape, budgetMs: number, maxReps: number) {
  const aBuffer = gpu.upload(a);
  const bBuffer = gpu.upload(b);
  const out = gpu.acquire(s.m * s.n * 4);
  try {
    return await repeatTimed(async (reps) => {
      for (let r = 0; r < reps; r++) runMatmul(gpu, { a: aBuffer, b: bBuffer, out }, { m: s.m, n: s.n, k: s.k });
      await gpu.read(out, 4);
    }, budgetMs, maxReps);
  } finally {
    gpu.release(aBuffer, bBuffer, out);
  }
}

async function timeTf(tf: typeof tfjs, a: Float32Array, b: Float32Array, s: MatmulShape, budgetMs: number, maxReps: number) {
  const aT = tf.tensor2d(a, [s.m, s.k]);
  const bT = tf.tensor2d(b, [s.k, s.n]);
  try {
    return await repeatTimed(async (reps) => {
      const results: tfjs.Tensor[] = [];
      for (let r = 0; r < reps; r++) results.push(tf.matMul(aT, bT));
      await results[results.length - 1].data();
      tf.dispose(results);
    }, budgetMs, maxReps);
  } finally {
    tf.dispose([aT, bT]);
  }
}
