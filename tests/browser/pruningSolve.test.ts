import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/errors.ts';
import { addScaledCpu, blockUpdateCpu, triangularSolveCpu, type BlockUpdateSpec } from '../../src/lib/pruning/blockOps.ts';
import { CalibrationStatsAccumulator } from '../../src/lib/pruning/calibrationStats.ts';
import { choleskyFactor, solveRightCholesky } from '../../src/lib/pruning/cholesky.ts';
import { cpuStatsFactory } from '../../src/lib/pruning/layerRunner.ts';
import { prune } from '../../src/lib/pruning/pipeline.ts';
import { restoreCpu } from '../../src/lib/pruning/restoration.ts';
import { TinyDecoder } from '../../src/lib/pruning/tinyDecoder.ts';
import { selectTopColumns } from '../../src/lib/pruning/topK.ts';
import { Rng } from '../../src/lib/util/random.ts';
import {
  CHOLESKY_BLOCK,
  choleskyGpu,
  releaseFactor,
  runAddScaled,
  runBlockUpdate,
  runCholeskyDiagonal,
  runTriangularSolve,
  solveRightGpu,
} from '../../src/kernels/pruning/cholesky.ts';
import { gpuRestorationSolver } from '../../src/kernels/pruning/restore.ts';
import { gpuStatsFactory } from '../../src/kernels/pruning/stats.ts';
import { maxRelativeError } from '../helpers/compare.ts';
import { poisoned, testGpu } from './gpu.ts';

/**
 * The restoration solve in WGSL against its CPU twins: choleskyDiagonal.wgsl, triangularSolve.wgsl,
 * blockUpdate.wgsl, addScaled.wgsl, the blocked Cholesky and solves they make up, the whole restoration
 * (restoreCpu, float64) and the GPU statistics; then the pipeline with both on the tiny decoder.
 */
const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
console.info(`[pruningSolve] seed ${seed}`);
const rng = new Rng(seed);

/** A well-conditioned SPD matrix: XᵀX/T + I over T = 3n tokens. */
function randomSpd(n: number): Float64Array {
  const tokens = 3 * n + 4;
  const x = rng.fillNormal(new Float32Array(tokens * n));
  const stats = new CalibrationStatsAccumulator(n, { gram: true });
  stats.add(x, tokens);
  const gram = stats.finish().gram!;
  return gram.map((g, i) => g / tokens + (Math.floor(i / n) === i % n ? 1 : 0));
}

function lowerTriangle(matrix: ArrayLike<number>, n: number): Float64Array {
  return Float64Array.from({ length: n * n }, (_, i) => (i % n <= Math.floor(i / n) ? matrix[i] : 0));
}

describe('choleskyDiagonal.wgsl: one diagonal block', () => {
  for (const size of [1, 7, 32]) {
    it(`factors a ${size}×${size} block at an offset inside a larger matrix`, async () => {
      const gpu = await testGpu();
      const [n, k0] = [size + 5, 3];
      const spd = randomSpd(size);
      const a = rng.fillNormal(new Float32Array(n * n));
      for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) a[(k0 + r) * n + k0 + c] = spd[r * size + c];
      const aBuffer = gpu.upload(a);
      const diagBlocks = poisoned(gpu, 2 * CHOLESKY_BLOCK * CHOLESKY_BLOCK);
      const status = gpu.upload(new Uint32Array(4));
      runCholeskyDiagonal(gpu, { a: aBuffer, diagBlocks, status }, { ld: n, k0, size, block: 1 });
      const want = choleskyFactor(spd, size);
      const blocks = await gpu.readF32(diagBlocks, 2 * CHOLESKY_BLOCK * CHOLESKY_BLOCK);
      const got = Float32Array.from({ length: size * size }, (_, i) => blocks[CHOLESKY_BLOCK * CHOLESKY_BLOCK + Math.floor(i / size) * CHOLESKY_BLOCK + (i % size)]);
      expect(maxRelativeError(got, want)).toBeLessThanOrEqual(1e-4);
      const inPlace = await gpu.readF32(aBuffer, n * n);
      const block = Float32Array.from({ length: size * size }, (_, i) => inPlace[(k0 + Math.floor(i / size)) * n + k0 + (i % size)]);
      expect(maxRelativeError(block, want)).toBeLessThanOrEqual(1e-4);
      expect(new Uint32Array(await gpu.read(status, 4))[0]).toBe(0);
    });
  }

  it('flags a pivot that is not positive', async () => {
    const gpu = await testGpu();
    const status = gpu.upload(new Uint32Array(4));
    runCholeskyDiagonal(gpu, { a: gpu.upload(new Float32Array([1, 2, 2, 1])), diagBlocks: gpu.acquire(4096), status }, { ld: 2, k0: 0, size: 2, block: 0 });
    expect(new Uint32Array(await gpu.read(status, 4))[0]).toBe(1);
  });
});

describe('triangularSolve.wgsl: rows against one diagonal block', () => {
  for (const backward of [false, true]) {
    for (const [rows, size] of [[1, 1], [70, 5], [130, 32]]) {
      it(`${backward ? 'backward x·L = y' : 'forward x·Lᵀ = y'}: ${rows} rows, block ${size}`, async () => {
        const gpu = await testGpu();
        const lkk = Float32Array.from(choleskyFactor(randomSpd(size), size));
        const padded = new Float32Array(CHOLESKY_BLOCK * CHOLESKY_BLOCK);
        for (let r = 0; r < size; r++) padded.set(lkk.subarray(r * size, (r + 1) * size), r * CHOLESKY_BLOCK);
        const [ldx, rowOffset, colOffset] = [size + 9, 2, 4];
        const x = rng.fillNormal(new Float32Array((rows + rowOffset) * ldx));
        const xBuffer = gpu.upload(x);
        const panel = poisoned(gpu, rows * size);
        runTriangularSolve(gpu, { diagBlocks: gpu.upload(padded), x: xBuffer, panel }, { rows, ldx, rowOffset, colOffset, size, block: 0, backward });
        const want = triangularSolveCpu(lkk, x.slice(), { rows, ldx, rowOffset, colOffset, size, backward });
        expect(maxRelativeError(await gpu.readF32(xBuffer, x.length), want)).toBeLessThanOrEqual(1e-4);
        const wantPanel = Float32Array.from({ length: rows * size }, (_, i) => want[(rowOffset + Math.floor(i / size)) * ldx + colOffset + (i % size)]);
        expect(maxRelativeError(await gpu.readF32(panel, rows * size), wantPanel)).toBeLessThanOrEqual(1e-4);
      });
    }
  }
});

describe('blockUpdate.wgsl: C −= A·op(B) on blocks', () => {
  const cases: { name: string; m: number; n: number; k: number; plainB?: boolean; lower?: boolean }[] = [
    { name: 'A·Bᵀ', m: 1, n: 1, k: 1 },
    { name: 'A·Bᵀ', m: 70, n: 65, k: 17 },
    { name: 'A·B', m: 33, n: 130, k: 32, plainB: true },
    { name: 'lower A·Bᵀ', m: 129, n: 129, k: 32, lower: true },
  ];
  for (const c of cases) {
    it(`${c.name}, ${c.m}×${c.n}, k = ${c.k}, at offsets`, async () => {
      const gpu = await testGpu();
      const spec: BlockUpdateSpec = {
        m: c.m, n: c.n, k: c.k,
        lda: c.k + 3, ldb: (c.plainB ? c.n : c.k) + 2, ldc: c.n + 5,
        aRow: 2, aCol: 1, bRow: 1, bCol: 2, cRow: 3, cCol: 4,
        plainB: c.plainB, lower: c.lower,
      };
      const a = rng.fillNormal(new Float32Array((spec.aRow + c.m) * spec.lda));
      const b = rng.fillNormal(new Float32Array((spec.bRow + (c.plainB ? c.k : c.n)) * spec.ldb));
      const cMatrix = rng.fillNormal(new Float32Array((spec.cRow + c.m) * spec.ldc));
      const cBuffer = gpu.upload(cMatrix);
      runBlockUpdate(gpu, { a: gpu.upload(a), b: gpu.upload(b), c: cBuffer }, spec);
      const want = blockUpdateCpu(cMatrix.slice(), a, b, spec);
      expect(maxRelativeError(await gpu.readF32(cBuffer, cMatrix.length), want)).toBeLessThanOrEqual(1e-4);
    });
  }
});

describe('addScaled.wgsl', () => {
  for (const length of [1, 1000, 70_001]) {
    it(`out += α·x over ${length} values`, async () => {
      const gpu = await testGpu();
      const x = rng.fillNormal(new Float32Array(length));
      const out = rng.fillNormal(new Float32Array(length));
      const outBuffer = gpu.upload(out);
      const alpha = rng.uniform(-2, 2);
      runAddScaled(gpu, { x: gpu.upload(x), out: outBuffer }, { length, alpha });
      expect(maxRelativeError(await gpu.readF32(outBuffer, length), addScaledCpu(out.slice(), x, alpha))).toBeLessThanOrEqual(1e-4);
    });
  }
});

describe('blocked Cholesky and right solves on the GPU against float64', () => {
  for (const [n, rows] of [[1, 3], [33, 10], [100, 37], [200, 5]]) {
    it(`n = ${n}, ${rows} right-hand sides`, async () => {
      const gpu = await testGpu();
      const a = randomSpd(n);
      const m = rng.fillNormal(new Float32Array(rows * n));
      const factor = choleskyGpu(gpu, gpu.upload(Float32Array.from(a)), n);
      const l = await gpu.readF32(factor.l, n * n);
      const wantL = choleskyFactor(a, n);
      expect(maxRelativeError(lowerTriangle(l, n), wantL)).toBeLessThanOrEqual(1e-4);
      const mBuffer = gpu.upload(m);
      solveRightGpu(gpu, factor, mBuffer, rows);
      const want = solveRightCholesky(wantL, n, Float64Array.from(m), rows);
      expect(maxRelativeError(await gpu.readF32(mBuffer, rows * n), want)).toBeLessThanOrEqual(1e-4);
      releaseFactor(gpu, factor);
    });
  }
});

describe('the restoration solve on the GPU against float64 (restoreCpu)', () => {
  const cases = [
    { tokens: 300, n: 40, dOut: 17, keep: 27, refitBias: false },
    { tokens: 500, n: 100, dOut: 33, keep: 70, refitBias: false },
    { tokens: 400, n: 70, dOut: 20, keep: 35, refitBias: true },
  ];
  for (const c of cases) {
    it(`${c.n} → ${c.keep} inputs, ${c.dOut} outputs${c.refitBias ? ', bias refit' : ''}`, async () => {
      const gpu = await testGpu();
      const x = rng.fillNormal(new Float32Array(c.tokens * c.n)).map((v, i) => v + 0.2 * Math.sin(i % c.n));
      const accumulator = new CalibrationStatsAccumulator(c.n, { gram: true });
      accumulator.add(x, c.tokens);
      const input = {
        weight: rng.fillNormal(new Float32Array(c.dOut * c.n)),
        bias: rng.fillNormal(new Float32Array(c.dOut)),
        dOut: c.dOut,
        n: c.n,
        kept: selectTopColumns(rng.fillUniform(new Float32Array(c.n)), c.keep),
        stats: accumulator.finish(),
      };
      const options = { dampingDelta: 0.01, refitBias: c.refitBias };
      const got = await gpuRestorationSolver(gpu)(input, options);
      const want = restoreCpu(input, options);
      expect(got.lambda).toBeCloseTo(want.lambda, 6);
      expect(maxRelativeError(got.weightKept, want.weightKept)).toBeLessThanOrEqual(1e-4);
      expect(maxRelativeError(got.bias, want.bias)).toBeLessThanOrEqual(1e-4);
      console.info(`[pruningSolve] relative residual GPU ${got.relativeResidual!.toExponential(2)}, CPU ${want.relativeResidual!.toExponential(2)}`);
      expect(got.relativeResidual).toBeLessThan(1e-3);
    });
  }

  it('reports a Gram that is not positive definite as an InputError', async () => {
    const gpu = await testGpu();
    const x = new Float32Array([1, 1, 0, 2, 2, 5]); // columns 0 and 1 equal, so G_KK is singular
    const accumulator = new CalibrationStatsAccumulator(3, { gram: true });
    accumulator.add(x, 2);
    const input = { weight: new Float32Array([1, 1, 1]), bias: new Float32Array(1), dOut: 1, n: 3, kept: Int32Array.from([0, 1]), stats: accumulator.finish() };
    await expect(gpuRestorationSolver(gpu)(input, { dampingDelta: 0, refitBias: false })).rejects.toThrow(InputError);
  });
});

describe('calibration statistics on the GPU', () => {
  it('match the float64 accumulator over several chunks', async () => {
    const gpu = await testGpu();
    const width = 45;
    const gpuSink = gpuStatsFactory(gpu)(width, { gram: true });
    const cpuSink = cpuStatsFactory(width, { gram: true });
    for (const rows of [13, 64, 1]) {
      const x = rng.fillNormal(new Float32Array(rows * width));
      await gpuSink.add(x, rows);
      cpuSink.add(x, rows);
    }
    const [got, want] = [await gpuSink.finish(), await cpuSink.finish()];
    expect(got.tokens).toBe(want.tokens);
    expect(maxRelativeError(got.gram!, want.gram!)).toBeLessThanOrEqual(1e-4);
    expect(maxRelativeError(got.colSum, want.colSum)).toBeLessThanOrEqual(1e-4);
    expect(maxRelativeError(got.colSumSq, want.colSumSq)).toBeLessThanOrEqual(1e-4);
  });
});

describe('the pipeline with GPU statistics and the GPU solve', () => {
  // FASP's groups are pruned where their statistics live (resident.ts); measuring the output error needs
  // the Gram on the CPU, so then the statistics are read back and solved by gpuRestorationSolver.
  const VARIANTS = [
    { label: 'GPU-resident step', refitBias: false, measureError: false },
    { label: 'GPU-resident step with the bias refit', refitBias: true, measureError: false },
    { label: 'statistics read back, WGSL solve, bias refit', refitBias: true, measureError: true },
  ];
  for (const { label, refitBias, measureError } of VARIANTS) {
    it(`keeps the same channels as the CPU path and restores the same weights on the tiny decoder (${label})`, async () => {
      const gpu = await testGpu();
      const config = { vocabSize: 40, hiddenSize: 16, numHeads: 4, ffnDim: 40, numLayers: 2, maxPositions: 24, seed: 3 };
      const windowRng = new Rng(5);
      const calibration = Array.from({ length: 4 }, () => Int32Array.from({ length: 20 }, () => windowRng.int(config.vocabSize)));
      const settings = { refitBias };
      const onCpu = await prune(new TinyDecoder(config), calibration, { method: 'fasp', sparsity: 0.4, settings, measureError });
      const onGpu = await prune(new TinyDecoder(config), calibration, {
        method: 'fasp',
        sparsity: 0.4,
        settings,
        measureError,
        stats: gpuStatsFactory(gpu),
        solver: gpuRestorationSolver(gpu),
      });
      expect(onGpu.config).toEqual(onCpu.config);
      onGpu.reports.forEach((report, l) => {
        expect([...report.ffn.kept]).toEqual([...onCpu.reports[l].ffn.kept]);
        expect([...report.attention.kept]).toEqual([...onCpu.reports[l].attention.kept]);
      });
      onGpu.layers.forEach((layer, l) => {
        expect(maxRelativeError(layer.ffn.consumerWeight, onCpu.layers[l].ffn.consumerWeight)).toBeLessThanOrEqual(1e-3);
        expect(maxRelativeError(layer.attention.consumerWeight, onCpu.layers[l].attention.consumerWeight)).toBeLessThanOrEqual(1e-3);
        expect(maxRelativeError(layer.ffn.consumerBias, onCpu.layers[l].ffn.consumerBias)).toBeLessThanOrEqual(1e-3);
      });
    });
  }
});
