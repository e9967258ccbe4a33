import { describe, expect, it } from 'vitest';
import { addPositionsCpu, gatherRowsCpu } from '../../src/lib/opt/ops/embedding.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { runAddPositions, runGather } from '../../src/kernels/opt/embedding.ts';
import { maxRelativeError } from '../helpers/compare.ts';
import { poisoned, testGpu } from './gpu.ts';

// embedding.wgsl (gather over a table split into chunks, and learned positions) against its CPU twins.
const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
console.info(`[opt.embedding] seed ${seed}`);
const rng = new Rng(seed);

describe('WGSL embedding against its CPU twins', () => {
  for (const { vocab, width, rows, chunkRows } of [
    { vocab: 5, width: 1, rows: 1, chunkRows: 5 },
    { vocab: 97, width: 24, rows: 37, chunkRows: 97 },
    { vocab: 301, width: 19, rows: 260, chunkRows: 64 },
  ]) {
    it(`gathers ${rows} rows of a ${vocab}×${width} table stored in chunks of ${chunkRows} rows`, async () => {
      const gpu = await testGpu();
      const table = rng.fillUniform(new Float32Array(vocab * width));
      const ids = Int32Array.from({ length: rows }, () => rng.int(vocab));
      const chunks = [];
      for (let start = 0; start < vocab; start += chunkRows) {
        const n = Math.min(chunkRows, vocab - start);
        chunks.push({ buffer: gpu.upload(table.subarray(start * width, (start + n) * width)), start, rows: n });
      }
      const out = poisoned(gpu, rows * width);
      runGather(gpu, { ids: gpu.upload(Uint32Array.from(ids)), chunks, out }, { rows, width });
      expect(maxRelativeError(await gpu.readF32(out, rows * width), gatherRowsCpu(table, width, ids))).toBeLessThanOrEqual(1e-4);
    });
  }

  for (const { batch, seqLen, width, positionOffset } of [
    { batch: 1, seqLen: 1, width: 3, positionOffset: 0 },
    { batch: 3, seqLen: 17, width: 24, positionOffset: 0 },
    { batch: 2, seqLen: 1, width: 40, positionOffset: 9 },
  ]) {
    it(`adds positions to ${batch}×${seqLen}×${width} from offset ${positionOffset}`, async () => {
      const gpu = await testGpu();
      const positions = rng.fillUniform(new Float32Array((positionOffset + seqLen + 2) * width));
      const x = rng.fillUniform(new Float32Array(batch * seqLen * width));
      const buffer = gpu.upload(x);
      runAddPositions(gpu, { x: buffer, positions: gpu.upload(positions) }, { batch, seqLen, width, positionOffset });
      const want = addPositionsCpu(x.slice(), positions, { batch, seqLen, width, positionOffset });
      expect(maxRelativeError(await gpu.readF32(buffer, x.length), want)).toBeLessThanOrEqual(1e-4);
    });
  }
});
