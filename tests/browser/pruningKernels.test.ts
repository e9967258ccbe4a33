import { describe, expect, it } from 'vitest';
import { gramAccumulateCpu } from '../../src/lib/pruning/calibrationStats.ts';
import { compactGroup, gatherSubmatrix } from '../../src/lib/pruning/compaction.ts';
import { combineScores, weightColumnReduce, weightReductionFor, type DeterministicMetric } from '../../src/lib/pruning/metrics.ts';
import { complementOf, selectTopColumns } from '../../src/lib/pruning/topK.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { columnScoresGpu, runColumnScore } from '../../src/kernels/pruning/columnScore.ts';
import { compactGroupGpu, runGather } from '../../src/kernels/pruning/gather.ts';
import { runGram } from '../../src/kernels/pruning/gram.ts';
import { selectTopColumnsGpu } from '../../src/kernels/pruning/topK.ts';
import { maxRelativeError } from '../helpers/compare.ts';
import { poisoned, testGpu } from './gpu.ts';

/**
 * WGSL pruning kernels against their CPU twins on fresh random inputs: gram.wgsl, columnScore.wgsl,
 * bitonicSort.wgsl + keptIndices.wgsl (top-k), gather.wgsl (compaction).
 */
const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
console.info(`[pruningKernels] seed ${seed}`);
const rng = new Rng(seed);

async function readU32(buffer: GPUBuffer, length: number): Promise<number[]> {
  const gpu = await testGpu();
  return [...new Uint32Array(await gpu.read(buffer, length * 4))];
}

describe('gram.wgsl: G (+)= XᵀX', () => {
  for (const [rows, n] of [[1, 1], [5, 3], [70, 65], [33, 130], [200, 64]]) {
    it(`${rows} tokens × ${n} columns, written into a poisoned buffer`, async () => {
      const gpu = await testGpu();
      const x = rng.fillNormal(new Float32Array(rows * n));
      const gram = poisoned(gpu, n * n);
      runGram(gpu, { x: gpu.upload(x), gram }, { rows, n, accumulate: false });
      const want = gramAccumulateCpu(new Float32Array(n * n), x, rows, n);
      expect(maxRelativeError(await gpu.readF32(gram, n * n), want)).toBeLessThanOrEqual(1e-4);
    });
  }

  it('accumulates over chunks onto what is already there', async () => {
    const gpu = await testGpu();
    const [n, first, second] = [77, 40, 23];
    const start = rng.fillUniform(new Float32Array(n * n));
    const x = rng.fillNormal(new Float32Array((first + second) * n));
    const gram = gpu.upload(start);
    runGram(gpu, { x: gpu.upload(x.subarray(0, first * n)), gram }, { rows: first, n });
    runGram(gpu, { x: gpu.upload(x.subarray(first * n)), gram }, { rows: second, n });
    const want = gramAccumulateCpu(start.slice(), x, first + second, n);
    expect(maxRelativeError(await gpu.readF32(gram, n * n), want)).toBeLessThanOrEqual(1e-4);
  });
});

describe('columnScore.wgsl', () => {
  const metrics: DeterministicMetric[] = ['wanda-l1', 'wanda-l2', 'magnitude', 'fluctuation'];
  for (const metric of metrics) {
    for (const n of [1, 257, 1000]) {
      it(`${metric} over ${n} columns`, async () => {
        const gpu = await testGpu();
        const tokens = 50;
        const activationSum = rng.fillNormal(new Float32Array(n), 10);
        const activationSumSq = activationSum.map((s) => (s * s) / tokens + rng.uniform(0, 40));
        const weightReduction = rng.fillUniform(new Float32Array(n), 0, 5);
        const scores = poisoned(gpu, n);
        runColumnScore(gpu, { activationSumSq: gpu.upload(activationSumSq), activationSum: gpu.upload(activationSum), weightReduction: gpu.upload(weightReduction), scores }, { n, tokens, metric });
        const want = combineScores(metric, { activationSumSq, activationSum, weightReduction, tokens });
        expect(maxRelativeError(await gpu.readF32(scores, n), want)).toBeLessThanOrEqual(1e-4);
      });
    }
  }

  it('scores the columns of a weight matrix already on the GPU (colReduce.wgsl for W)', async () => {
    const gpu = await testGpu();
    const [dOut, n, tokens] = [70, 130, 9];
    const weight = rng.fillNormal(new Float32Array(dOut * n));
    const activationSumSq = rng.fillUniform(new Float32Array(n), 0, 9);
    const got = columnScoresGpu(gpu, { weight: gpu.upload(weight), activationSumSq: gpu.upload(activationSumSq) }, { dOut, n, tokens, metric: 'wanda-l1' });
    const want = combineScores('wanda-l1', { activationSumSq, weightReduction: weightColumnReduce(weight, dOut, n, weightReductionFor('wanda-l1')), tokens });
    expect(maxRelativeError(await gpu.readF32(got, n), want)).toBeLessThanOrEqual(1e-4);
  });
});

describe('top-k: bitonicSort.wgsl + keptIndices.wgsl', () => {
  for (const n of [1, 7, 256, 300, 1000]) {
    it(`keeps the same columns as the CPU over ${n} scores with ties and NaN`, async () => {
      const gpu = await testGpu();
      // Few distinct values, so ties are common; a NaN where there is room.
      const scores = Float32Array.from({ length: n }, () => rng.int(6) * 0.5 - 1);
      if (n > 3) scores[rng.int(n)] = Number.NaN;
      const keep = Math.max(1, Math.round(rng.uniform(0.1, 1) * n));
      const out = { kept: poisoned(gpu, keep), dropped: poisoned(gpu, Math.max(1, n - keep)) };
      selectTopColumnsGpu(gpu, gpu.upload(scores), { n, keep }, out);
      const want = selectTopColumns(scores, keep);
      expect(await readU32(out.kept, keep)).toEqual([...want]);
      if (keep < n) expect(await readU32(out.dropped, n - keep)).toEqual([...complementOf(want, n)]);
    });
  }
});

describe('gather.wgsl: compaction into new buffers', () => {
  const cases: { rows: number; cols: number; outRows: number; outCols: number; gatherRows: boolean; gatherCols: boolean }[] = [
    { rows: 1, cols: 1, outRows: 1, outCols: 1, gatherRows: true, gatherCols: true },
    { rows: 40, cols: 33, outRows: 17, outCols: 33, gatherRows: true, gatherCols: false },
    { rows: 33, cols: 100, outRows: 33, outCols: 61, gatherRows: false, gatherCols: true },
    { rows: 130, cols: 130, outRows: 97, outCols: 97, gatherRows: true, gatherCols: true },
  ];
  for (const c of cases) {
    it(`${c.rows}×${c.cols} → ${c.outRows}×${c.outCols}`, async () => {
      const gpu = await testGpu();
      const source = rng.fillNormal(new Float32Array(c.rows * c.cols));
      const pick = (count: number, range: number) => Int32Array.from({ length: count }, () => rng.int(range));
      const rows = c.gatherRows ? pick(c.outRows, c.rows) : undefined;
      const cols = c.gatherCols ? pick(c.outCols, c.cols) : undefined;
      const shift = c.outRows === c.outCols ? rng.uniform(0, 2) : 0;
      const out = poisoned(gpu, c.outRows * c.outCols);
      runGather(gpu, { source: gpu.upload(source), rows: rows && gpu.upload(rows), cols: cols && gpu.upload(cols), out }, { sourceCols: c.cols, outRows: c.outRows, outCols: c.outCols, diagonalShift: shift });
      const want = gatherSubmatrix(source, { rows: c.rows, cols: c.cols }, { rows, cols }, { shift });
      expect(maxRelativeError(await gpu.readF32(out, c.outRows * c.outCols), want)).toBeLessThanOrEqual(1e-4);
    });
  }

  it('shifts only the first diagonal entries it is told to', async () => {
    const gpu = await testGpu();
    const source = rng.fillNormal(new Float32Array(9));
    const got = runGather(gpu, { source: gpu.upload(source) }, { sourceCols: 3, outRows: 3, outCols: 3, diagonalShift: 5, shiftedDiagonal: 2 });
    const want = gatherSubmatrix(source, { rows: 3, cols: 3 }, {}, { shift: 5, count: 2 });
    expect(maxRelativeError(await gpu.readF32(got, 9), want)).toBeLessThanOrEqual(1e-6);
  });

  it('compacts a coupled group as compactGroup does', async () => {
    const gpu = await testGpu();
    const [width, d] = [75, 19];
    const group = {
      width,
      hiddenSize: d,
      producerWeight: rng.fillNormal(new Float32Array(width * d)),
      producerBias: rng.fillNormal(new Float32Array(width)),
      consumerWeight: rng.fillNormal(new Float32Array(d * width)),
      consumerBias: rng.fillNormal(new Float32Array(d)),
    };
    const kept = selectTopColumns(rng.fillUniform(new Float32Array(width)), 41);
    const want = compactGroup({ group, kept });
    const got = compactGroupGpu(gpu, {
      producerWeight: gpu.upload(group.producerWeight),
      producerBias: gpu.upload(group.producerBias),
      consumerWeight: gpu.upload(group.consumerWeight),
      consumerBias: gpu.upload(group.consumerBias),
    }, gpu.upload(Uint32Array.from(kept)), { width, hiddenSize: d, keepCount: 41 });
    expect(maxRelativeError(await gpu.readF32(got.producerWeight, 41 * d), want.producerWeight)).toBe(0);
    expect(maxRelativeError(await gpu.readF32(got.producerBias, 41), want.producerBias)).toBe(0);
    expect(maxRelativeError(await gpu.readF32(got.consumerWeight, d * 41), want.consumerWeight)).toBe(0);
  });
});
