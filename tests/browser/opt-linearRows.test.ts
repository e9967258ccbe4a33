import { describe, expect, it } from 'vitest';
import { matmulCpu } from '../../src/lib/linalg/matmul.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { runLinearRows } from '../../src/kernels/opt/linearRows.ts';
import { maxRelativeError } from '../helpers/compare.ts';
import { poisoned, testGpu } from './gpu.ts';

// linearRows.wgsl (x·Wᵀ + b for a few rows: decoding) against matmulCpu with transB.
const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
console.info(`[opt.linearRows] seed ${seed}`);
const rng = new Rng(seed);

describe('WGSL linearRows against its CPU twin', () => {
  for (const { m, n, k, bias } of [
    { m: 1, n: 1, k: 1, bias: false },
    { m: 1, n: 70, k: 130, bias: true },
    { m: 3, n: 65, k: 64, bias: false },
    { m: 8, n: 33, k: 300, bias: true },
  ]) {
    it(`${m}×${k} · (${n}×${k})ᵀ${bias ? ' + bias' : ''}`, async () => {
      const gpu = await testGpu();
      const x = rng.fillUniform(new Float32Array(m * k));
      const w = rng.fillUniform(new Float32Array(n * k));
      const b = bias ? rng.fillUniform(new Float32Array(n)) : undefined;
      const out = poisoned(gpu, m * n);
      runLinearRows(gpu, { x: gpu.upload(x), weight: gpu.upload(w), bias: b && gpu.upload(b), out }, { m, n, k });
      const want = matmulCpu(x, w, { m, n, k, transB: true }, b);
      expect(maxRelativeError(await gpu.readF32(out, m * n), want)).toBeLessThanOrEqual(1e-4);
    });
  }
});
