import { describe, expect, it } from 'vitest';
import { layerNormCpu } from '../../src/lib/opt/ops/layerNorm.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { runLayerNorm } from '../../src/kernels/opt/layerNorm.ts';
import { maxRelativeError } from '../helpers/compare.ts';
import { poisoned, testGpu } from './gpu.ts';

// layerNorm.wgsl against layerNormCpu on fresh inputs; the seed is printed to replay a failure.
const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
console.info(`[opt.layerNorm] seed ${seed}`);
const rng = new Rng(seed);

describe('WGSL layerNorm against its CPU twin', () => {
  for (const { rows, width, affine } of [
    { rows: 1, width: 1, affine: true },
    { rows: 7, width: 24, affine: true },
    { rows: 33, width: 300, affine: false },
    { rows: 5, width: 513, affine: true },
  ]) {
    it(`${rows}×${width}${affine ? ' with weight and bias' : ' without affine'}`, async () => {
      const gpu = await testGpu();
      // An offset keeps the mean far from 0, which a one-pass variance would get wrong in f32.
      const x = rng.fillNormal(new Float32Array(rows * width), 2).map((v) => v + 30);
      const weight = affine ? rng.fillUniform(new Float32Array(width), 0.5, 1.5) : null;
      const bias = affine ? rng.fillUniform(new Float32Array(width)) : null;
      const out = poisoned(gpu, rows * width);
      runLayerNorm(gpu, { x: gpu.upload(x), weight: weight && gpu.upload(weight), bias: bias && gpu.upload(bias), out }, { rows, width, eps: 1e-5 });
      const got = await gpu.readF32(out, rows * width);
      expect(maxRelativeError(got, layerNormCpu(x, { rows, width, weight, bias, eps: 1e-5 }))).toBeLessThanOrEqual(1e-4);
    });
  }
});
