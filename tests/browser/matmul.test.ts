import { describe, expect, it } from 'vitest';
import { matmulCpu, type MatmulOptions } from '../../src/lib/linalg/matmul.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { runMatmul } from '../../src/kernels/matmul.ts';
import { maxRelativeError } from '../helpers/compare.ts';
import { poisoned, testGpu } from './gpu.ts';

// Fresh inputs every run: the seed is printed so a failure can be replayed.
const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
console.info(`[matmul] seed ${seed}`);
const rng = new Rng(seed);

interface Case extends MatmulOptions {
  bias?: boolean;
}

const CASES: Case[] = [
  { m: 1, n: 1, k: 1 },
  { m: 64, n: 64, k: 16 },
  { m: 37, n: 53, k: 29 },
  { m: 65, n: 130, k: 67, bias: true },
  { m: 50, n: 40, k: 33, transA: true },
  { m: 45, n: 71, k: 90, transB: true, bias: true },
  { m: 19, n: 23, k: 100, transA: true, transB: true },
  { m: 33, n: 17, k: 40, batch: 3 },
  { m: 20, n: 30, k: 25, batch: 4, batchStrideB: 0, transB: true, bias: true },
  { m: 128, n: 96, k: 200 },
];

describe('WGSL matmul against its CPU twin', () => {
  for (const c of CASES) {
    const name = `${c.batch ?? 1}×[${c.m}×${c.k}]·[${c.k}×${c.n}]${c.transA ? ' Aᵀ' : ''}${c.transB ? ' Bᵀ' : ''}${c.bias ? ' +bias' : ''}${c.batchStrideB === 0 ? ' shared B' : ''}`;
    it(name, async () => {
      const gpu = await testGpu();
      const batch = c.batch ?? 1;
      const a = rng.fillUniform(new Float32Array(batch * c.m * c.k));
      const b = rng.fillUniform(new Float32Array((c.batchStrideB === 0 ? 1 : batch) * c.k * c.n));
      const bias = c.bias ? rng.fillUniform(new Float32Array(c.n)) : undefined;
      const out = poisoned(gpu, batch * c.m * c.n);
      runMatmul(gpu, { a: gpu.upload(a), b: gpu.upload(b), bias: bias && gpu.upload(bias), out }, c);
      const got = await gpu.readF32(out, batch * c.m * c.n);
      const want = matmulCpu(a, b, c, bias);
      expect(maxRelativeError(got, want)).toBeLessThanOrEqual(1e-4);
    });
  }
});
