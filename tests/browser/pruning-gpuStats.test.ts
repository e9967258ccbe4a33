import { describe, expect, it } from 'vitest';
import { gpuPruneKernels } from '../../src/kernels/pruning/gpuPruneKernels.ts';
import { InputError } from '../../src/lib/errors.ts';
import { cpuStatsFactory } from '../../src/lib/pruning/layerRunner.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { maxRelativeError } from '../helpers/compare.ts';
import { testGpu } from './gpu.ts';

/**
 * The WebGPU runtime's calibration statistics (gpuPruneKernels: colReduce.wgsl and gram.wgsl, the
 * Gram resident on the GPU across chunks) against the float64 CPU accumulator, streamed over several
 * chunks of different lengths, widths that are not multiples of the 64-wide Gram tile.
 */
const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
console.info(`[pruning-gpuStats] seed ${seed}`);
const rng = new Rng(seed);

/** A chunk [rows, width]: normal values with a per-column offset, or after a ReLU (fc2's inputs, mostly zero). */
function chunk(rows: number, width: number, relu: boolean): Float32Array {
  const x = rng.fillNormal(new Float32Array(rows * width)).map((v, i) => v + 0.3 * Math.cos(i % width));
  return relu ? x.map((v) => Math.max(0, v - 0.8)) : x;
}

const CASES = [
  { width: 45, gram: true, chunks: [13, 64, 1], relu: false },
  { width: 70, gram: true, chunks: [9, 33, 20], relu: true },
  { width: 70, gram: false, chunks: [17, 5], relu: false },
];

describe('calibration statistics of gpuPruneKernels', () => {
  for (const c of CASES) {
    it(`width ${c.width}, chunks of ${c.chunks.join('/')} tokens${c.gram ? ', with the Gram' : ''}${c.relu ? ', ReLU inputs' : ''}`, async () => {
      const gpu = await testGpu();
      const gpuSink = gpuPruneKernels(gpu).stats(c.width, { gram: c.gram });
      const cpuSink = cpuStatsFactory(c.width, { gram: c.gram });
      for (const rows of c.chunks) {
        // One spare row past `rows`: the sink must read only the rows it is told.
        const x = chunk(rows + 1, c.width, c.relu);
        await gpuSink.add(x, rows);
        await cpuSink.add(x, rows);
      }
      const [got, want] = [await gpuSink.finish(), await cpuSink.finish()];
      expect(got.width).toBe(c.width);
      expect(got.tokens).toBe(want.tokens);
      expect(maxRelativeError(got.colSum, want.colSum)).toBeLessThanOrEqual(1e-4);
      expect(maxRelativeError(got.colSumSq, want.colSumSq)).toBeLessThanOrEqual(1e-4);
      if (c.gram) expect(maxRelativeError(got.gram!, want.gram!)).toBeLessThanOrEqual(1e-4);
      else expect(got.gram).toBeUndefined();
    });
  }

  it('reports non-finite activations as an InputError', async () => {
    const gpu = await testGpu();
    const sink = gpuPruneKernels(gpu).stats(5, { gram: true });
    const x = chunk(3, 5, false);
    x[7] = Number.NaN;
    await sink.add(x, 3);
    await expect(sink.finish()).rejects.toThrow(InputError);
  });
});
