import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/errors.ts';
import { Rng } from '../../src/lib/util/random.ts';
import {
  CalibrationStatsAccumulator,
  choleskyFactor,
  columnScores,
  compactGroup,
  compensateBias,
  gatherSubmatrix,
  globalKeepCounts,
  gramAccumulateCpu,
  keepCountFor,
  keptHeadDims,
  layerOutputError,
  prunedConfigFields,
  relativeResidual,
  restoreCpu,
  selectTopColumns,
  solveRightCholesky,
  uniformKeepCounts,
  validatePrunedConfig,
  validateSparsity,
  type AttentionValueGroup,
  type CalibrationStats,
} from '../../src/lib/pruning/index.ts';

const rng = new Rng(20250117);

function statsOf(x: Float32Array, rows: number, width: number, chunk = rows): CalibrationStats {
  const accumulator = new CalibrationStatsAccumulator(width, { gram: true });
  for (let start = 0; start < rows; start += chunk) {
    const end = Math.min(rows, start + chunk);
    accumulator.add(x.subarray(start * width, end * width), end - start);
  }
  return accumulator.finish();
}

/** Y = X Wᵀ + 1bᵀ, in float64. */
function affine(x: ArrayLike<number>, rows: number, n: number, weight: ArrayLike<number>, bias: ArrayLike<number>, dOut: number): Float64Array {
  const y = new Float64Array(rows * dOut);
  for (let t = 0; t < rows; t++) {
    for (let i = 0; i < dOut; i++) {
      let sum = bias[i];
      for (let j = 0; j < n; j++) sum += x[t * n + j] * weight[i * n + j];
      y[t * dOut + i] = sum;
    }
  }
  return y;
}

/**
 * Independent float64 least-squares oracle: min_B ‖A B − Y‖_F by Householder QR of A [rows, cols]
 * (no normal equations, no Cholesky), B [cols, rhs].
 */
function leastSquaresQr(a: Float64Array, rows: number, cols: number, y: Float64Array, rhs: number): Float64Array {
  const r = a.slice();
  const q = y.slice();
  for (let c = 0; c < cols; c++) {
    let norm = 0;
    for (let i = c; i < rows; i++) norm += r[i * cols + c] ** 2;
    norm = Math.sqrt(norm);
    const alpha = r[c * cols + c] > 0 ? -norm : norm;
    const v = new Float64Array(rows);
    for (let i = c; i < rows; i++) v[i] = r[i * cols + c];
    v[c] -= alpha;
    let vNorm = 0;
    for (let i = c; i < rows; i++) vNorm += v[i] ** 2;
    if (vNorm === 0) continue;
    const reflect = (m: Float64Array, width: number) => {
      for (let j = 0; j < width; j++) {
        let dot = 0;
        for (let i = c; i < rows; i++) dot += v[i] * m[i * width + j];
        const f = (2 * dot) / vNorm;
        for (let i = c; i < rows; i++) m[i * width + j] -= f * v[i];
      }
    };
    reflect(r, cols);
    reflect(q, rhs);
  }
  const b = new Float64Array(cols * rhs);
  for (let j = 0; j < rhs; j++) {
    for (let i = cols - 1; i >= 0; i--) {
      let sum = q[i * rhs + j];
      for (let k = i + 1; k < cols; k++) sum -= r[i * cols + k] * b[k * rhs + j];
      b[i * rhs + j] = sum / r[i * cols + i];
    }
  }
  return b;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('calibration statistics', () => {
  it('sums a hand-checked 3-token chunk: Gram, column sums and squared norms', () => {
    const x = new Float32Array([1, 2, 0, -1, 3, 1]); // [3, 2]
    const stats = statsOf(x, 3, 2);
    expect([...stats.gram!]).toEqual([10, 5, 5, 6]);
    expect([...stats.colSum]).toEqual([4, 2]);
    expect([...stats.colSumSq]).toEqual([10, 6]);
    expect(stats.tokens).toBe(3);
  });

  it('streaming over chunks gives the statistics of all tokens at once', () => {
    const [rows, width] = [53, 11];
    const x = rng.fillNormal(new Float32Array(rows * width));
    const whole = statsOf(x, rows, width);
    const chunked = statsOf(x, rows, width, 7);
    expect(maxAbsDiff(chunked.gram!, whole.gram!)).toBeLessThan(1e-9);
    expect(maxAbsDiff(chunked.colSum, whole.colSum)).toBeLessThan(1e-9);
    expect(chunked.tokens).toBe(rows);
  });

  it('mostly-zero chunks (after a ReLU) give the same Gram as dense ones', () => {
    const [rows, width] = [40, 30];
    const x = rng.fillNormal(new Float32Array(rows * width)).map((v) => (v > 1.3 ? v : 0)); // ~10% non-zero
    const naive = new Float64Array(width * width);
    for (let t = 0; t < rows; t++) for (let i = 0; i < width; i++) for (let j = 0; j < width; j++) naive[i * width + j] += x[t * width + i] * x[t * width + j];
    expect(x.filter((v) => v !== 0).length).toBeLessThan(0.2 * rows * width); // the sparse path runs
    expect(maxAbsDiff(statsOf(x, rows, width).gram!, naive)).toBeLessThan(1e-9);
  });

  it('the f32 Gram twin accumulates xᵀx into both triangles', () => {
    const [rows, width] = [9, 6];
    const x = rng.fillNormal(new Float32Array(rows * width));
    const gram = new Float32Array(width * width).fill(1);
    gramAccumulateCpu(gram, x, rows, width);
    const exact = statsOf(x, rows, width).gram!;
    expect(maxAbsDiff(gram, exact.map((g) => g + 1))).toBeLessThan(1e-5);
  });

  it('rejects non-finite activations with an InputError', () => {
    const accumulator = new CalibrationStatsAccumulator(2, { gram: false });
    expect(() => accumulator.add(new Float32Array([1, Number.NaN]), 1)).toThrow(InputError);
  });
});

describe('column scores', () => {
  // W [2, 3]; column sums |W|: [3, 1, 5]; squares: [5, 1, 13]
  const weight = new Float32Array([1, 0, -2, -2, 1, 3]);
  const stats: CalibrationStats = { width: 3, tokens: 2, colSum: new Float64Array([2, 0, 4]), colSumSq: new Float64Array([4, 9, 10]) };
  const consumer = { weight, dOut: 2, n: 3 };

  it('FASP/Wanda-sp S_j = ‖X_j‖₂ · Σ_i |W_ij| (L1) and · ‖W_j‖₂ (L2)', () => {
    expect([...columnScores({ kind: 'wanda', norm: 'l1' }, consumer, stats)]).toEqual([2 * 3, 3 * 1, Math.sqrt(10) * 5]);
    const l2 = columnScores({ kind: 'wanda', norm: 'l2' }, consumer, stats);
    expect(maxAbsDiff(l2, [2 * Math.sqrt(5), 3, Math.sqrt(10) * Math.sqrt(13)])).toBeLessThan(1e-12);
  });

  it('magnitude is ‖W_j‖₂ and needs no calibration', () => {
    expect(maxAbsDiff(columnScores({ kind: 'magnitude' }, consumer, undefined), [Math.sqrt(5), 1, Math.sqrt(13)])).toBeLessThan(1e-12);
  });

  it("FLAP's fluctuation is Var(X_j) · ‖W_j‖₂² with the variance over tokens", () => {
    // Var = E[x²] − E[x]²: [2 − 1, 4.5 − 0, 5 − 4]
    expect([...columnScores({ kind: 'fluctuation' }, consumer, stats)]).toEqual([1 * 5, 4.5 * 1, 1 * 13]);
  });

  it('random scores repeat for a seed and differ between seeds', () => {
    const a = columnScores({ kind: 'random', seed: 3 }, consumer, undefined);
    expect([...columnScores({ kind: 'random', seed: 3 }, consumer, undefined)]).toEqual([...a]);
    expect([...columnScores({ kind: 'random', seed: 4 }, consumer, undefined)]).not.toEqual([...a]);
  });
});

describe('top-k selection', () => {
  it('keeps the best columns in ascending order, breaking ties by the lower index', () => {
    expect([...selectTopColumns([1, 5, 3, 5, 0, 3], 3)]).toEqual([1, 2, 3]);
    expect([...selectTopColumns([2, 2, 2, 2], 2)]).toEqual([0, 1]);
  });
  it('ranks NaN as −∞ (below every finite score, tied with −∞ by index)', () => {
    expect([...selectTopColumns([Number.NaN, 0, -1e30], 2)]).toEqual([1, 2]);
    expect([...selectTopColumns([-Infinity, Number.NaN, -1], 2)]).toEqual([0, 2]);
  });
  it('keeps width − round(s·width) channels, and at least one', () => {
    expect(keepCountFor(3072, 0.2)).toBe(2458);
    expect(keepCountFor(10, 0)).toBe(10);
    expect(keepCountFor(1, 0.9)).toBe(1);
  });
  it('accepts s in [0, 0.9] and rejects anything else with an InputError', () => {
    expect(validateSparsity(0)).toBe(0);
    expect(validateSparsity(0.9)).toBe(0.9);
    for (const bad of [-0.1, 0.95, Number.NaN, Infinity, '0.2', undefined]) expect(() => validateSparsity(bad)).toThrow(InputError);
  });
});

describe('Cholesky (float64)', () => {
  it('factors a hand-checked SPD matrix and solves Z·A = M', () => {
    const a = new Float64Array([4, 2, 2, 3]);
    const l = choleskyFactor(a, 2);
    expect([...l]).toEqual([2, 0, 1, Math.sqrt(2)]);
    const m = new Float64Array([6, 5]); // z = [1, 1]
    const z = solveRightCholesky(l, 2, m, 1);
    expect(maxAbsDiff(z, [1, 1])).toBeLessThan(1e-12);
    expect(relativeResidual(z, a, m, 1, 2)).toBeLessThan(1e-15);
  });
  it('refuses a matrix that is not positive definite', () => {
    expect(() => choleskyFactor(new Float64Array([1, 2, 2, 1]), 2)).toThrow(/not positive definite/);
  });
});

describe('restoration W\'_K = W_K + W_D G_DK (G_KK + λI)⁻¹', () => {
  const cases = [
    { rows: 40, n: 7, dOut: 3, keep: 4 },
    { rows: 25, n: 12, dOut: 5, keep: 9 },
    { rows: 60, n: 5, dOut: 8, keep: 1 },
  ];
  for (const { rows, n, dOut, keep } of cases) {
    it(`equals the float64 least-squares fit (QR oracle) with λ = 0: ${rows} tokens, ${n} → ${keep} inputs, ${dOut} outputs`, () => {
      const x = rng.fillNormal(new Float32Array(rows * n));
      const weight = rng.fillNormal(new Float32Array(dOut * n));
      const bias = rng.fillNormal(new Float32Array(dOut));
      const kept = selectTopColumns(rng.fillUniform(new Float32Array(n)), keep);
      const restored = restoreCpu({ weight, bias, dOut, n, kept, stats: statsOf(x, rows, n, 6) }, { dampingDelta: 0, refitBias: false });

      const target = affine(x, rows, n, weight, new Float64Array(dOut), dOut); // X Wᵀ  [rows, dOut]
      const xKept = Float64Array.from(gatherSubmatrix(x, { rows, cols: n }, { cols: kept }));
      const oracle = leastSquaresQr(xKept, rows, keep, target, dOut); // [keep, dOut] = W'_Kᵀ
      const oracleWeight = Float64Array.from({ length: dOut * keep }, (_, idx) => oracle[(idx % keep) * dOut + Math.floor(idx / keep)]);
      expect(maxAbsDiff(restored.weightKept, oracleWeight) / Math.max(...oracleWeight.map(Math.abs))).toBeLessThan(1e-5);
      expect(restored.relativeResidual).toBeLessThan(1e-10);
      expect([...restored.bias]).toEqual([...bias]);
    });
  }

  it('with the bias refit, equals the least-squares fit on [X_K, 1] of the dense affine output', () => {
    const [rows, n, dOut, keep] = [50, 8, 4, 5];
    const x = rng.fillNormal(new Float32Array(rows * n)).map((v) => v + 0.7); // non-zero means
    const weight = rng.fillNormal(new Float32Array(dOut * n));
    const bias = rng.fillNormal(new Float32Array(dOut));
    const kept = Int32Array.from([0, 2, 3, 5, 7]);
    const restored = restoreCpu({ weight, bias, dOut, n, kept, stats: statsOf(x, rows, n) }, { dampingDelta: 0, refitBias: true });
    const target = affine(x, rows, n, weight, bias, dOut);
    const augmented = new Float64Array(rows * (keep + 1));
    for (let t = 0; t < rows; t++) {
      kept.forEach((j, c) => (augmented[t * (keep + 1) + c] = x[t * n + j]));
      augmented[t * (keep + 1) + keep] = 1;
    }
    const oracle = leastSquaresQr(augmented, rows, keep + 1, target, dOut); // [keep + 1, dOut]
    for (let i = 0; i < dOut; i++) {
      for (let c = 0; c < keep; c++) expect(restored.weightKept[i * keep + c]).toBeCloseTo(oracle[c * dOut + i], 4);
      expect(restored.bias[i]).toBeCloseTo(oracle[keep * dOut + i], 4);
    }
  });

  it('changes nothing when no column is dropped, whatever the damping', () => {
    const [rows, n, dOut] = [20, 6, 3];
    const weight = rng.fillNormal(new Float32Array(dOut * n));
    const bias = rng.fillNormal(new Float32Array(dOut));
    const all = Int32Array.from({ length: n }, (_, j) => j);
    const restored = restoreCpu({ weight, bias, dOut, n, kept: all, stats: statsOf(rng.fillNormal(new Float32Array(rows * n)), rows, n) }, { dampingDelta: 0.5, refitBias: true });
    expect([...restored.weightKept]).toEqual([...weight]);
    expect([...restored.bias]).toEqual([...bias]);
  });

  it('damping λ = δ·mean(diag G_KK)', () => {
    const x = new Float32Array([1, 2, 3, 0, 1, 1]); // [2, 3]; diag G = [1, 5, 10]
    const restored = restoreCpu({ weight: new Float32Array([1, 1, 1]), bias: new Float32Array(1), dOut: 1, n: 3, kept: Int32Array.from([1, 2]), stats: statsOf(x, 2, 3) }, { dampingDelta: 0.1, refitBias: false });
    expect(restored.lambda).toBeCloseTo(0.1 * 7.5, 12);
  });

  it('says to raise δ when G_KK is singular and undamped', () => {
    const x = new Float32Array([1, 1, 0, 2, 2, 5]); // columns 0 and 1 equal
    const call = () => restoreCpu({ weight: new Float32Array([1, 1, 1]), bias: new Float32Array(1), dOut: 1, n: 3, kept: Int32Array.from([0, 1]), stats: statsOf(x, 2, 3) }, { dampingDelta: 0, refitBias: false });
    expect(call).toThrow(InputError);
    expect(call).toThrow(/positive definite/);
  });
});

describe("FLAP's bias compensation", () => {
  it('keeps the mean output over the calibration tokens', () => {
    const [rows, n, dOut] = [30, 6, 4];
    const x = rng.fillNormal(new Float32Array(rows * n)).map((v, i) => v + (i % n) * 0.3);
    const weight = rng.fillNormal(new Float32Array(dOut * n));
    const bias = rng.fillNormal(new Float32Array(dOut));
    const kept = Int32Array.from([1, 4]);
    const newBias = compensateBias({ weight, bias, dOut, n }, kept, statsOf(x, rows, n));
    const dense = affine(x, rows, n, weight, bias, dOut);
    const pruned = affine(gatherSubmatrix(x, { rows, cols: n }, { cols: kept }), rows, 2, gatherSubmatrix(weight, { rows: dOut, cols: n }, { cols: kept }), newBias, dOut);
    for (let i = 0; i < dOut; i++) {
      let meanDense = 0;
      let meanPruned = 0;
      for (let t = 0; t < rows; t++) {
        meanDense += dense[t * dOut + i] / rows;
        meanPruned += pruned[t * dOut + i] / rows;
      }
      expect(meanPruned).toBeCloseTo(meanDense, 5);
    }
  });
});

describe('layer output error from the statistics', () => {
  it('matches ‖Y′ − Y‖/‖Y‖ computed on the activations themselves', () => {
    const [rows, n, dOut] = [35, 7, 3];
    const x = rng.fillNormal(new Float32Array(rows * n));
    const weight = rng.fillNormal(new Float32Array(dOut * n));
    const bias = rng.fillNormal(new Float32Array(dOut));
    const kept = Int32Array.from([0, 3, 6]);
    const weightKept = rng.fillNormal(new Float32Array(dOut * 3));
    const newBias = rng.fillNormal(new Float32Array(dOut));
    const fromStats = layerOutputError({ weight, bias, dOut, n }, { weightKept, bias: newBias, kept }, statsOf(x, rows, n));
    const dense = affine(x, rows, n, weight, bias, dOut);
    const pruned = affine(gatherSubmatrix(x, { rows, cols: n }, { cols: kept }), rows, 3, weightKept, newBias, dOut);
    let num = 0;
    let den = 0;
    dense.forEach((y, i) => ((num += (pruned[i] - y) ** 2), (den += y * y)));
    expect(fromStats).toBeCloseTo(Math.sqrt(num / den), 9);
  });
});

describe('compaction', () => {
  const d = 3;
  const heads = [2, 2, 1];
  const width = 5;
  const group: AttentionValueGroup = {
    width,
    hiddenSize: d,
    producerWeight: Float32Array.from({ length: width * d }, (_, i) => i), // row j = [3j, 3j+1, 3j+2]
    producerBias: Float32Array.from({ length: width }, (_, j) => 100 + j),
    consumerWeight: Float32Array.from({ length: d * width }, (_, i) => i), // row i = [5i .. 5i+4]
    consumerBias: new Float32Array([7, 8, 9]),
    vHeadDims: heads,
  };

  it('drops producer rows with their bias entries and consumer columns; heads keep their channels', () => {
    const compacted = compactGroup({ group, kept: Int32Array.from([1, 4]) });
    expect(compacted.width).toBe(2);
    expect([...compacted.producerWeight]).toEqual([3, 4, 5, 12, 13, 14]);
    expect([...compacted.producerBias]).toEqual([101, 104]);
    expect([...compacted.consumerWeight]).toEqual([1, 4, 6, 9, 11, 14]);
    expect([...compacted.consumerBias]).toEqual([7, 8, 9]);
    expect(compacted.vHeadDims).toEqual([1, 0, 1]);
  });

  it('counts kept channels per head, an emptied head included', () => {
    expect(keptHeadDims([2, 2, 1], Int32Array.from([0, 1, 4]))).toEqual([2, 0, 1]);
    expect(keptHeadDims([0, 3], Int32Array.from([1]))).toEqual([0, 1]);
  });
});

describe('layer allocation', () => {
  it('uniform keeps width − round(s·width) in every layer', () => {
    expect(uniformKeepCounts([10, 20], 0.3)).toEqual([7, 14]);
  });

  it('global keeps the uniform total, respects the bounds, and favours the layer with more outstanding scores', () => {
    // Layer 0: a few large scores and many small ones; layer 1: evenly spread scores.
    const skewed = Float64Array.from({ length: 20 }, (_, j) => (j < 4 ? 100 + j : 1 + j * 0.01));
    const even = Float64Array.from({ length: 20 }, (_, j) => j);
    const keep = globalKeepCounts([skewed, even], 0.5, { minSparsity: 0.3, maxSparsity: 0.7 });
    expect(keep[0] + keep[1]).toBe(20);
    for (const k of keep) {
      expect(k).toBeGreaterThanOrEqual(6);
      expect(k).toBeLessThanOrEqual(14);
    }
    expect(keep[0]).not.toBe(keep[1]);
  });

  it('rejects bounds that exclude the target sparsity', () => {
    expect(() => globalKeepCounts([new Float64Array(4)], 0.5, { minSparsity: 0.6, maxSparsity: 0.8 })).toThrow(InputError);
  });
});

describe('pruned config fields', () => {
  const layer = (ffn: number, vHeadDims: number[]) => ({
    ffn: { width: ffn, hiddenSize: 4, producerWeight: new Float32Array(), producerBias: new Float32Array(), consumerWeight: new Float32Array(), consumerBias: new Float32Array() },
    attention: { width: vHeadDims.reduce((a, b) => a + b, 0), hiddenSize: 4, producerWeight: new Float32Array(), producerBias: new Float32Array(), consumerWeight: new Float32Array(), consumerBias: new Float32Array(), vHeadDims },
  });

  it('lists ffn_dims, v_head_dims and v_dims per layer, and reads them back', () => {
    const config = prunedConfigFields([layer(10, [2, 0]), layer(7, [1, 2])]);
    expect(config).toEqual({ ffn_dims: [10, 7], v_head_dims: [[2, 0], [1, 2]], v_dims: [2, 3] });
    expect(validatePrunedConfig(config, { numLayers: 2, numHeads: 2 })).toEqual(config);
  });

  it('names the field that disagrees', () => {
    expect(() => validatePrunedConfig({ ffn_dims: [1, 2], v_head_dims: [[1, 1], [1, 1]], v_dims: [2, 3] }, { numLayers: 2, numHeads: 2 })).toThrow(/v_dims\[1\]/);
    expect(() => validatePrunedConfig({ ffn_dims: [1], v_head_dims: [[1, 1]], v_dims: [2] }, { numLayers: 2, numHeads: 2 })).toThrow(/ffn_dims/);
  });
});
