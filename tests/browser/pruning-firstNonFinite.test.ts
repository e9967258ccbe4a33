import { describe, expect, it } from 'vitest';
import { runFirstNonFinite } from '../../src/kernels/pruning/resident.ts';
import { firstNonFinite } from '../../src/lib/pruning/methods.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { testGpu } from './gpu.ts';

/**
 * firstNonFinite.wgsl (the resident pruning step's check of its column scores) against its CPU twin
 * `firstNonFinite` (methods.ts): fresh random scores with NaN/±∞ planted at random places, lengths around
 * the 256-wide workgroup, and the atomic minimum kept across two dispatches into the same word.
 */
const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
console.info(`[pruning-firstNonFinite] seed ${seed}`);
const rng = new Rng(seed);
const NONE = 0xffffffff;
const BAD = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

function scores(n: number, bad: number): Float32Array {
  const values = rng.fillUniform(new Float32Array(n)).map((v) => v * 1e30); // large but finite
  for (let i = 0; i < bad; i++) values[rng.int(n)] = BAD[i % BAD.length];
  return values;
}

async function onGpu(...chunks: Float32Array[]): Promise<number> {
  const gpu = await testGpu();
  const firstBad = gpu.upload(Uint32Array.of(NONE));
  for (const values of chunks) runFirstNonFinite(gpu, { values: gpu.upload(values), firstBad }, { n: values.length });
  const [index] = new Uint32Array(await gpu.read(firstBad, 4));
  return index === NONE ? -1 : index;
}

describe('firstNonFinite.wgsl against its CPU twin', () => {
  for (const n of [1, 255, 256, 257, 1000]) {
    for (const bad of [0, 1, 3]) {
      it(`${n} scores, ${bad} non-finite`, async () => {
        const values = scores(n, bad);
        const want = firstNonFinite(values);
        if (bad > 0) expect(want).toBeGreaterThanOrEqual(0);
        expect(await onGpu(values)).toBe(want);
      });
    }
  }

  it('a bad value in the last place, and the largest finite f32, are told apart', async () => {
    const values = new Float32Array(300).fill(3.4028234e38);
    expect(await onGpu(values)).toBe(-1);
    values[299] = Number.NaN;
    expect(await onGpu(values)).toBe(firstNonFinite(values));
  });

  it('keeps the smallest index over two dispatches into the same word', async () => {
    const later = scores(500, 0);
    later[40] = Number.POSITIVE_INFINITY;
    const earlier = scores(500, 0);
    earlier[7] = Number.NaN;
    expect(await onGpu(later, earlier)).toBe(7);
    expect(await onGpu(earlier, later)).toBe(7);
  });
});
