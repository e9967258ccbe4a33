import { describe, expect, it } from 'vitest';
import { elementwiseCpu, type ElementwiseOp } from '../../src/lib/opt/ops/elementwise.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { runElementwise } from '../../src/kernels/opt/elementwise.ts';
import { maxRelativeError } from '../helpers/compare.ts';
import { testGpu } from './gpu.ts';

// elementwise.wgsl (residual add, ReLU, row-bias add) against its CPU twin.
const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
console.info(`[opt.elementwise] seed ${seed}`);
const rng = new Rng(seed);

describe('WGSL elementwise against its CPU twin', () => {
  const cases: { op: ElementwiseOp; rows: number; width: number }[] = [
    { op: 'add', rows: 1, width: 1 },
    { op: 'add', rows: 37, width: 29 },
    { op: 'relu', rows: 65, width: 31 },
    { op: 'addRowBias', rows: 13, width: 300 },
  ];
  for (const { op, rows, width } of cases) {
    it(`${op} on ${rows}×${width}`, async () => {
      const gpu = await testGpu();
      const a = rng.fillUniform(new Float32Array(rows * width));
      const b = op === 'relu' ? undefined : rng.fillUniform(new Float32Array(op === 'addRowBias' ? width : rows * width));
      const buffer = gpu.upload(a);
      runElementwise(gpu, op, { a: buffer, b: b && gpu.upload(b) }, { count: a.length, width });
      const want = elementwiseCpu(op, a.slice(), b, width);
      expect(maxRelativeError(await gpu.readF32(buffer, a.length), want)).toBeLessThanOrEqual(1e-4);
    });
  }
});
