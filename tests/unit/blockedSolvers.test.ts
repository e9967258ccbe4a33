import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeTf } from '../../src/lib/opt/cpu/nodeTf.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { blockedCholesky, blockedSolveRight } from '../../src/lib/pruning/blockedCholesky.ts';
import { CalibrationStatsAccumulator, gramBlockWidth } from '../../src/lib/pruning/calibrationStats.ts';
import { choleskyFactor, solveRightCholesky } from '../../src/lib/pruning/cholesky.ts';
import { jsDenseProduct } from '../../src/lib/pruning/denseProduct.ts';
import { tfDenseProduct } from '../../src/lib/pruning/tfDenseProduct.ts';
import { maxRelativeError } from '../helpers/compare.ts';

/**
 * The fast CPU path's recursive Cholesky, triangular solves and blocked SYRK Gram against the float64
 * references (cholesky.ts, the float64 Gram loop): every size around the leaf and block sizes, random
 * leaf sizes, and the tfjs-wasm products the pipeline uses. Products are float32, so 1e-4 relative.
 */

/** A = XᵀX/T + δ·I for X [3n, n] standard normal: symmetric positive definite, moderately conditioned. */
function spd(n: number, seed: number, delta = 0.05): Float64Array {
  const rng = new Rng(seed);
  const rows = 3 * n;
  const x = rng.fillNormal(new Float32Array(rows * n));
  const a = new Float64Array(n * n);
  for (let t = 0; t < rows; t++) {
    for (let i = 0; i < n; i++) {
      const xi = x[t * n + i];
      for (let j = 0; j < n; j++) a[i * n + j] += (xi * x[t * n + j]) / rows;
    }
  }
  for (let i = 0; i < n; i++) a[i * n + i] += delta;
  return a;
}

describe('recursive blocked Cholesky', () => {
  it('equals the float64 factor for any size and leaf size (plain TypeScript products)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 40 }), fc.integer(), (n, block, seed) => {
        const a = spd(n, seed);
        const got = blockedCholesky(a, n, jsDenseProduct, block);
        expect(maxRelativeError(got.l, choleskyFactor(a, n))).toBeLessThan(1e-5);
        let nonZeroAbove = 0;
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (got.l[i * n + j] !== 0) nonZeroAbove++;
        expect(nonZeroAbove).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it('equals the float64 factor with tfjs-wasm products, past the lower-triangle update block (256)', async () => {
    const product = tfDenseProduct(await nodeTf());
    for (const n of [257, 300]) {
      const a = spd(n, n);
      expect(maxRelativeError(blockedCholesky(a, n, product).l, choleskyFactor(a, n))).toBeLessThan(1e-4);
    }
  });

  it('says which pivot fails on a matrix that is not positive definite', () => {
    const n = 70;
    const a = spd(n, 3);
    a[60 * n + 60] = -1;
    expect(() => blockedCholesky(a, n, jsDenseProduct, 16)).toThrow(/pivot 60 /);
  });
});

describe('recursive blocked solve Z·A = M', () => {
  it('equals the float64 solve for any size, leaf size and number of rows (plain TypeScript products)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 11 }), fc.integer(), (n, block, rows, seed) => {
        const a = spd(n, seed);
        const m = Float64Array.from(new Rng(seed + 1).fillNormal(new Float32Array(rows * n)));
        const got = blockedSolveRight(blockedCholesky(a, n, jsDenseProduct, block), m, rows, jsDenseProduct);
        expect(maxRelativeError(got, solveRightCholesky(choleskyFactor(a, n), n, m, rows))).toBeLessThan(1e-4);
      }),
      { numRuns: 40 },
    );
  });

  it('equals the float64 solve with tfjs-wasm products on a restoration-sized system', async () => {
    const product = tfDenseProduct(await nodeTf());
    const n = 400;
    const rows = 37;
    const a = spd(n, 11);
    const m = Float64Array.from(new Rng(12).fillNormal(new Float32Array(rows * n)));
    const got = blockedSolveRight(blockedCholesky(a, n, product), m, rows, product);
    expect(maxRelativeError(got, solveRightCholesky(choleskyFactor(a, n), n, m, rows))).toBeLessThan(1e-4);
  });
});

describe('blocked SYRK Gram (upper triangle from column blocks)', () => {
  it('equals the float64 Gram for widths around the column-block width, dense and half-zero chunks', async () => {
    const product = tfDenseProduct(await nodeTf());
    const rng = new Rng(77);
    const block = gramBlockWidth(1000);
    for (const n of [block + 129, 2 * block + 1]) {
      for (const zeroFraction of [0, 0.5]) {
        const rows = 70;
        const x = rng.fillNormal(new Float32Array(rows * n)).map((v) => (rng.next() < zeroFraction ? 0 : v));
        const fast = new CalibrationStatsAccumulator(n, { gram: true, product });
        const exact = new CalibrationStatsAccumulator(n, { gram: true });
        for (const acc of [fast, exact]) {
          acc.add(x.subarray(0, 30 * n), 30);
          acc.add(x.subarray(30 * n), rows - 30);
        }
        const [g, want] = [fast.finish().gram!, exact.finish().gram!];
        expect(maxRelativeError(g, want)).toBeLessThan(1e-5);
        let asymmetric = 0;
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) if (g[i * n + j] !== g[j * n + i]) asymmetric++;
        expect(asymmetric).toBe(0);
      }
    }
  });
});
