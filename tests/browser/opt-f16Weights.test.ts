import { describe, expect, it } from 'vitest';
import { runMatmul } from '../../src/kernels/matmul.ts';
import { runGather } from '../../src/kernels/opt/embedding.ts';
import { GpuOptRuntime } from '../../src/kernels/opt/gpuRuntime.ts';
import { runLinearRows } from '../../src/kernels/opt/linearRows.ts';
import { matmulCpu } from '../../src/lib/linalg/matmul.ts';
import { sequenceLogits, windowNll } from '../../src/lib/opt/forward.ts';
import { gatherRowsCpu } from '../../src/lib/opt/ops/embedding.ts';
import { referenceLogits } from '../../src/lib/opt/reference.ts';
import type { Linear, OptWeights } from '../../src/lib/opt/weights.ts';
import { packHalves, roundToHalf, type WeightPrecision } from '../../src/lib/util/half.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { maxRelativeError } from '../helpers/compare.ts';
import { cloneWeights, closeness, randomIds, variant, VARIANTS } from '../helpers/optModels.ts';
import { poisoned, testGpu } from './gpu.ts';

/**
 * Weights stored as IEEE halves packed two per u32 (src/kernels/weightsF16.wgsl, read with the core
 * unpack2x16float, so it runs on SwiftShader, which has no `shader-f16`). Each f16 kernel against its CPU
 * twin, which is the f32 product on the weights rounded through f16 (roundToHalf): the kernels widen
 * the halves exactly and accumulate in f32, so the only difference left is f32 summation order.
 */
const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
console.info(`[opt.f16Weights] seed ${seed}`);
const rng = new Rng(seed);

/** Weights as each reader stores them (weightsF32.wgsl: plain f32; weightsF16.wgsl: packed halves), and the values the CPU twin multiplies. */
const stored = (precision: WeightPrecision, w: Float32Array) => (precision === 'f16' ? packHalves(w) : w);
const seen = (precision: WeightPrecision, w: Float32Array) => (precision === 'f16' ? roundToHalf(w) : w);

describe('kernels with either weight reader (weightsF32.wgsl, weightsF16.wgsl) against their CPU twins (f16: weights rounded through f16)', () => {
  for (const precision of ['f32', 'f16'] as const) {
    for (const { m, n, k, bias } of [
      { m: 1, n: 1, k: 1, bias: false },
      { m: 3, n: 65, k: 63, bias: true }, // odd k: rows straddle the packed words
      { m: 8, n: 33, k: 300, bias: false },
    ]) {
      it(`${precision} linearRows ${m}×${k} · (${n}×${k})ᵀ${bias ? ' + bias' : ''}`, async () => {
        const gpu = await testGpu();
        const x = rng.fillUniform(new Float32Array(m * k));
        const w = rng.fillUniform(new Float32Array(n * k));
        const b = bias ? rng.fillUniform(new Float32Array(n)) : undefined;
        const out = poisoned(gpu, m * n);
        runLinearRows(gpu, { x: gpu.upload(x), weight: gpu.upload(stored(precision, w)), bias: b && gpu.upload(b), out, weightPrecision: precision }, { m, n, k });
        const want = matmulCpu(x, seen(precision, w), { m, n, k, transB: true }, b);
        expect(maxRelativeError(await gpu.readF32(out, m * n), want)).toBeLessThanOrEqual(1e-4);
      });
    }

    for (const c of [
      { m: 45, n: 71, k: 91, transB: true, bias: true },
      { m: 70, n: 9, k: 33, transB: true },
      { m: 37, n: 53, k: 29 }, // B not transposed: the other load path
    ]) {
      it(`${precision} tiled matmul [${c.m}×${c.k}]·[${c.k}×${c.n}]${c.transB ? ' Bᵀ' : ''}${c.bias ? ' + bias' : ''}`, async () => {
        const gpu = await testGpu();
        const a = rng.fillUniform(new Float32Array(c.m * c.k));
        const b = rng.fillUniform(new Float32Array(c.k * c.n));
        const bias = c.bias ? rng.fillUniform(new Float32Array(c.n)) : undefined;
        const out = poisoned(gpu, c.m * c.n);
        runMatmul(gpu, { a: gpu.upload(a), b: gpu.upload(stored(precision, b)), bias: bias && gpu.upload(bias), out, bPrecision: precision }, c);
        expect(maxRelativeError(await gpu.readF32(out, c.m * c.n), matmulCpu(a, seen(precision, b), c, bias))).toBeLessThanOrEqual(1e-4);
      });
    }
  }

  it('gathers rows of an f16 table stored in chunks with an odd number of values', async () => {
    const gpu = await testGpu();
    const [vocab, width, chunkRows, rows] = [61, 7, 25, 40];
    const table = rng.fillUniform(new Float32Array(vocab * width));
    const ids = Int32Array.from({ length: rows }, () => rng.int(vocab));
    const chunks = [];
    for (let start = 0; start < vocab; start += chunkRows) {
      const count = Math.min(chunkRows, vocab - start);
      chunks.push({ buffer: gpu.upload(packHalves(table.subarray(start * width, (start + count) * width))), start, rows: count });
    }
    const out = poisoned(gpu, rows * width);
    runGather(gpu, { ids: gpu.upload(Uint32Array.from(ids)), chunks, out, tablePrecision: 'f16' }, { rows, width });
    expect(maxRelativeError(await gpu.readF32(out, rows * width), gatherRowsCpu(roundToHalf(table), width, ids))).toBeLessThanOrEqual(1e-4);
  });
});

/** `weights` with every matrix the f16 runtime stores as halves rounded through f16. */
function roundedMatrices(weights: OptWeights): OptWeights {
  const linear = (l: Linear): Linear => ({ ...l, weight: roundToHalf(l.weight) });
  return {
    ...weights,
    embedTokens: roundToHalf(weights.embedTokens),
    projectIn: weights.projectIn && roundToHalf(weights.projectIn),
    projectOut: weights.projectOut && roundToHalf(weights.projectOut),
    layers: weights.layers.map((layer) => ({
      ...layer,
      qProj: linear(layer.qProj),
      kProj: linear(layer.kProj),
      vProj: linear(layer.vProj),
      outProj: linear(layer.outProj),
      fc1: linear(layer.fc1),
      fc2: linear(layer.fc2),
    })),
  };
}

describe('the WebGPU OPT runtime with f16 weights', () => {
  for (const name of Object.keys(VARIANTS)) {
    it(`matches the naive reference on the rounded weights, and stays near f32: ${name}`, async () => {
      const gpu = await testGpu();
      const { config, weights } = variant(name, rng.int(1000));
      const half = await GpuOptRuntime.load(gpu, config, { weights: cloneWeights(weights) }, { weightPrecision: 'f16' });
      const full = await GpuOptRuntime.load(gpu, config, { weights: cloneWeights(weights) });
      try {
        const ids = randomIds(rng, 11, config.vocabSize);
        const logits = await sequenceLogits(half, ids);
        expect(closeness(logits, referenceLogits(config, roundedMatrices(weights), ids))).toBeLessThanOrEqual(1e-4);
        // Rounding the weights moves the logits by about 2⁻¹¹ of their size, not more.
        expect(closeness(logits, await sequenceLogits(full, ids))).toBeLessThanOrEqual(1e-2);
        expect(half.weightBytes).toBeLessThan(full.weightBytes);
      } finally {
        half.dispose();
        full.dispose();
      }
    });
  }

  it('halves the matrices’ bytes, reads rounded weights back and takes a new layer in f16', async () => {
    const gpu = await testGpu();
    const { config, weights } = variant('pre-LN (125m-like)', rng.int(1000));
    const half = await GpuOptRuntime.load(gpu, config, { weights: cloneWeights(weights) }, { weightPrecision: 'f16' });
    const full = await GpuOptRuntime.load(gpu, config, { weights: cloneWeights(weights) });
    try {
      const layer = await half.getLayerWeights(1);
      expect(layer.fc1.weight).toEqual(roundToHalf(weights.layers[1].fc1.weight));
      expect(layer.fc1.bias).toEqual(weights.layers[1].fc1.bias); // vectors stay f32
      // Matrices: tokens + 2 layers × (4H² + 2HF) values, each 2 bytes fewer (buffers rounded up to 4 bytes).
      const { hiddenSize: H, ffnDim: F, vocabSize: V } = config;
      const saved = full.weightBytes - half.weightBytes;
      const matrices = V * H + config.numLayers * (4 * H * H + 2 * H * F);
      expect(saved).toBeGreaterThanOrEqual(2 * matrices - 64);
      expect(saved).toBeLessThanOrEqual(2 * matrices + 64);
      const scaled = { ...layer, fc2: { ...layer.fc2, weight: layer.fc2.weight.map((v) => v * 0.3) } };
      await half.setLayerWeights(1, scaled);
      expect((await half.getLayerWeights(1)).fc2.weight).toEqual(roundToHalf(scaled.fc2.weight));
      const ids = randomIds(rng, 9, config.vocabSize);
      const nll = await windowNll(half, ids, { batch: 1, seqLen: ids.length });
      expect(nll.every(Number.isFinite)).toBe(true);
    } finally {
      half.dispose();
      full.dispose();
    }
  });
});
