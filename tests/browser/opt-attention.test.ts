import { describe, expect, it } from 'vitest';
import { attentionCpu } from '../../src/lib/opt/ops/attention.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { runAttention, uploadAttentionHeads } from '../../src/kernels/opt/attention.ts';
import { maxRelativeError } from '../helpers/compare.ts';
import { poisoned, testGpu } from './gpu.ts';

// attention.wgsl against attentionCpu: causal masks, KV-cache strides, and heads with different value
// widths, including heads with none.
const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
console.info(`[opt.attention] seed ${seed}`);
const rng = new Rng(seed);

interface Case {
  name: string;
  batch: number;
  queryLen: number;
  keyLen: number;
  keyStride?: number;
  headDim: number;
  vWidths: number[];
}

const CASES: Case[] = [
  { name: 'one token', batch: 1, queryLen: 1, keyLen: 1, headDim: 4, vWidths: [4] },
  { name: 'full heads', batch: 2, queryLen: 37, keyLen: 37, headDim: 8, vWidths: [8, 8, 8] },
  { name: 'pruned widths with an empty head', batch: 2, queryLen: 19, keyLen: 19, headDim: 16, vWidths: [5, 0, 16, 1] },
  { name: 'one query over a cache', batch: 2, queryLen: 1, keyLen: 70, keyStride: 80, headDim: 12, vWidths: [12, 3] },
  { name: 'prompt into a cache, 90 keys (more than the workgroup)', batch: 1, queryLen: 6, keyLen: 90, keyStride: 96, headDim: 8, vWidths: [0, 7] },
];

describe('WGSL attention against its CPU twin', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const gpu = await testGpu();
      const numHeads = c.vWidths.length;
      const vOffsets = [0];
      for (const width of c.vWidths) vOffsets.push(vOffsets[vOffsets.length - 1] + width);
      const vDim = vOffsets[numHeads];
      const keyStride = c.keyStride ?? c.keyLen;
      const q = rng.fillNormal(new Float32Array(c.batch * c.queryLen * numHeads * c.headDim));
      const k = rng.fillNormal(new Float32Array(c.batch * keyStride * numHeads * c.headDim));
      const v = rng.fillNormal(new Float32Array(c.batch * keyStride * vDim));
      const shape = { batch: c.batch, queryLen: c.queryLen, keyLen: c.keyLen, keyStride, numHeads, headDim: c.headDim, scale: 1 / Math.sqrt(c.headDim) };
      const rows = c.batch * c.queryLen;
      const out = poisoned(gpu, rows * vDim);
      const heads = uploadAttentionHeads(gpu, vOffsets);
      runAttention(gpu, { q: gpu.upload(q), k: gpu.upload(k), v: gpu.upload(v), heads, out }, shape);
      const got = await gpu.readF32(out, rows * vDim);
      expect(maxRelativeError(got, attentionCpu(q, k, v, { ...shape, vOffsets }))).toBeLessThanOrEqual(1e-4);
    });
  }
});
