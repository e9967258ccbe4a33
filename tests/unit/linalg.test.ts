import { describe, expect, it } from 'vitest';
import { colReduceCpu } from '../../src/lib/linalg/colReduce.ts';
import { matmulCpu } from '../../src/lib/linalg/matmul.ts';

describe('matmulCpu', () => {
  const a = new Float32Array([1, 2, 3, 4, 5, 6]); // [2, 3]
  const b = new Float32Array([7, 8, 9, 10, 11, 12]); // [3, 2]

  it('multiplies a hand-checked 2×3 · 3×2 product', () => {
    expect([...matmulCpu(a, b, { m: 2, n: 2, k: 3 })]).toEqual([58, 64, 139, 154]);
  });
  it('reads transposed layouts', () => {
    const aT = new Float32Array([1, 4, 2, 5, 3, 6]); // Aᵀ stored [3, 2]
    const bT = new Float32Array([7, 9, 11, 8, 10, 12]); // Bᵀ stored [2, 3]
    expect([...matmulCpu(aT, bT, { m: 2, n: 2, k: 3, transA: true, transB: true })]).toEqual([58, 64, 139, 154]);
  });
  it('adds the bias to every row', () => {
    const c = matmulCpu(a, b, { m: 2, n: 2, k: 3 }, new Float32Array([1, -1]));
    expect([...c]).toEqual([59, 63, 140, 153]);
  });
  it('broadcasts B across batches with stride 0', () => {
    const batched = new Float32Array([...a, ...a.map((x) => -x)]);
    const c = matmulCpu(batched, b, { m: 2, n: 2, k: 3, batch: 2, batchStrideB: 0 });
    expect([...c]).toEqual([58, 64, 139, 154, -58, -64, -139, -154]);
  });
  it('rejects inputs shorter than the shape needs', () => {
    expect(() => matmulCpu(a, b, { m: 3, n: 2, k: 3 })).toThrow(RangeError);
    expect(() => matmulCpu(a, b, { m: 0, n: 2, k: 3 })).toThrow(RangeError);
  });
});

describe('colReduceCpu', () => {
  const m = new Float32Array([1, -2, 3, -4]); // [2, 2]
  it('sums, sums squares and sums absolute values per column', () => {
    expect([...colReduceCpu(m, 2, 2, 'sum')]).toEqual([4, -6]);
    expect([...colReduceCpu(m, 2, 2, 'sumsq')]).toEqual([10, 20]);
    expect([...colReduceCpu(m, 2, 2, 'abssum')]).toEqual([4, 6]);
  });
  it('accumulates into an existing output', () => {
    const out = new Float32Array([1, 1]);
    colReduceCpu(m, 2, 2, 'abssum', out);
    expect([...out]).toEqual([5, 7]);
  });
});
