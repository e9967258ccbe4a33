import { describe, expect, it } from 'vitest';
import { accumulateNllCpu, createNllState, finishNllCpu } from '../../src/lib/opt/ops/nll.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { runNllChunk } from '../../src/kernels/opt/nll.ts';
import { maxRelativeError } from '../helpers/compare.ts';
import { poisoned, testGpu } from './gpu.ts';

// nll.wgsl (online log-sum-exp over vocabulary chunks) against its CPU twin.
const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
console.info(`[opt.nll] seed ${seed}`);
const rng = new Rng(seed);

describe('WGSL chunked NLL against its CPU twin', () => {
  for (const { rows, vocab, chunk } of [
    { rows: 1, vocab: 7, chunk: 7 },
    { rows: 19, vocab: 301, chunk: 100 },
    { rows: 70, vocab: 1000, chunk: 257 },
  ]) {
    it(`${rows} rows over a vocabulary of ${vocab} in chunks of ${chunk}`, async () => {
      const gpu = await testGpu();
      // Later chunks get larger logits so the running max has to move.
      const logits = Float32Array.from({ length: rows * vocab }, (_, i) => 4 * rng.normal() + (i % vocab) / 50);
      const targets = Int32Array.from({ length: rows }, () => rng.int(vocab));
      const state = gpu.acquire(rows * 3 * 4);
      const nll = poisoned(gpu, rows);
      const targetBuffer = gpu.upload(Uint32Array.from(targets));
      const cpu = createNllState(rows);
      for (let start = 0; start < vocab; start += chunk) {
        const width = Math.min(chunk, vocab - start);
        const block = new Float32Array(rows * width);
        for (let r = 0; r < rows; r++) block.set(logits.subarray(r * vocab + start, r * vocab + start + width), r * width);
        runNllChunk(gpu, { logits: gpu.upload(block), targets: targetBuffer, state, nll }, { rows, start, width, first: start === 0, last: start + width >= vocab });
        accumulateNllCpu(cpu, block, targets, { start, width });
      }
      expect(maxRelativeError(await gpu.readF32(nll, rows), finishNllCpu(cpu))).toBeLessThanOrEqual(1e-4);
    });
  }
});
