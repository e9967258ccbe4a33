import { describe, expect, it } from 'vitest';
import { colReduceCpu, COLUMN_REDUCTIONS } from '../../src/lib/linalg/colReduce.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { runColReduce } from '../../src/kernels/colReduce.ts';
import { maxRelativeError } from '../helpers/compare.ts';
import { poisoned, testGpu } from './gpu.ts';

const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
console.info(`[colReduce] seed ${seed}`);
const rng = new Rng(seed);

// Tall shapes exercise the two-pass path (more than 256 rows); odd widths the partial workgroups.
const SHAPES: [number, number][] = [[1, 1], [7, 3], [64, 64], [100, 65], [257, 130], [3000, 17], [1000, 200]];

describe('WGSL column reduction against its CPU twin', () => {
  for (const reduction of COLUMN_REDUCTIONS) {
    for (const [rows, cols] of SHAPES) {
      it(`${reduction} of ${rows}×${cols}`, async () => {
        const gpu = await testGpu();
        const matrix = rng.fillUniform(new Float32Array(rows * cols));
        const out = poisoned(gpu, cols);
        runColReduce(gpu, { matrix: gpu.upload(matrix), out }, { rows, cols, reduction });
        const got = await gpu.readF32(out, cols);
        expect(maxRelativeError(got, colReduceCpu(matrix, rows, cols, reduction))).toBeLessThanOrEqual(1e-4);
      });
    }
  }

  it('accumulates over chunks of rows as one pass over all of them', async () => {
    const gpu = await testGpu();
    const [rows, cols] = [700, 45];
    const matrix = rng.fillUniform(new Float32Array(rows * cols));
    const out = gpu.upload(new Float32Array(cols));
    const split = 301;
    runColReduce(gpu, { matrix: gpu.upload(matrix.subarray(0, split * cols)), out }, { rows: split, cols, reduction: 'sumsq', accumulate: true });
    runColReduce(gpu, { matrix: gpu.upload(matrix.subarray(split * cols)), out }, { rows: rows - split, cols, reduction: 'sumsq', accumulate: true });
    const got = await gpu.readF32(out, cols);
    expect(maxRelativeError(got, colReduceCpu(matrix, rows, cols, 'sumsq'))).toBeLessThanOrEqual(1e-4);
  });
});
