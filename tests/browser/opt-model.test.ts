import { describe, expect, it } from 'vitest';
import { parseOptConfig } from '../../src/lib/opt/config.ts';
import { forwardHidden, sequenceLogits, windowNll } from '../../src/lib/opt/forward.ts';
import { nllFromLogits, referenceLogits } from '../../src/lib/opt/reference.ts';
import { parseSafetensors } from '../../src/lib/opt/safetensors.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { GpuOptRuntime } from '../../src/kernels/opt/gpuRuntime.ts';
import { cloneWeights, closeness, randomIds, variant, VARIANTS } from '../helpers/optModels.ts';
import goldenConfig from '../fixtures/opt-golden/config.json';
import golden from '../fixtures/opt-golden/expected.json';
import goldenWeightsUrl from '../fixtures/opt-golden/model.safetensors?url';
import { testGpu } from './gpu.ts';

// The whole WebGPU forward pass (gpuRuntime.ts) against the golden fixture and the naive reference.
const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
console.info(`[opt.model] seed ${seed}`);
const rng = new Rng(seed);

function goldenError(got: ArrayLike<number>, want: readonly number[]): number {
  return closeness(got, want);
}

describe('the WebGPU OPT forward pass', () => {
  it('matches the golden fixture: logits and NLL of every case', async () => {
    const gpu = await testGpu();
    const config = parseOptConfig(goldenConfig);
    const file = parseSafetensors(await (await fetch(goldenWeightsUrl)).arrayBuffer());
    const runtime = await GpuOptRuntime.load(gpu, config, { files: [file] });
    for (const c of golden.cases) {
      const ids = Int32Array.from(c.input_ids);
      expect(goldenError(await sequenceLogits(runtime, ids), c.logits.flat())).toBeLessThanOrEqual(1e-4);
      if (ids.length > 1) expect(goldenError(await windowNll(runtime, ids, { batch: 1, seqLen: ids.length }), c.nll)).toBeLessThanOrEqual(1e-4);
    }
    runtime.dispose();
  });

  for (const name of Object.keys(VARIANTS)) {
    it(`matches the naive reference: ${name}`, async () => {
      const gpu = await testGpu();
      const { config, weights } = variant(name, rng.int(1000));
      const runtime = await GpuOptRuntime.load(gpu, config, { weights: cloneWeights(weights) });
      const ids = randomIds(rng, 11, config.vocabSize);
      const want = referenceLogits(config, weights, ids);
      expect(closeness(await sequenceLogits(runtime, ids), want)).toBeLessThanOrEqual(1e-4);
      const nll = await windowNll(runtime, ids, { batch: 1, seqLen: ids.length });
      expect(closeness(nll, nllFromLogits(want, ids, config.vocabSize))).toBeLessThanOrEqual(1e-4);
      runtime.dispose();
    });
  }

  it('decodes with a KV cache (batch 2, pruned widths) to the logits of the full pass', async () => {
    const gpu = await testGpu();
    const { config, weights } = variant('pruned widths, one head with no value channels', rng.int(1000));
    const runtime = await GpuOptRuntime.load(gpu, config, { weights });
    const batch = 2;
    const length = 8;
    const prompt = 3;
    const sequences = [randomIds(rng, length, config.vocabSize), randomIds(rng, length, config.vocabSize)];
    const full = await Promise.all(sequences.map((ids) => sequenceLogits(runtime, ids)));
    const cache = runtime.createKvCache(batch, length);
    let hidden = await forwardHidden(runtime, Int32Array.from(sequences.flatMap((ids) => [...ids.subarray(0, prompt)])), { batch, seqLen: prompt, cache });
    for (let t = prompt - 1; t < length; t++) {
      const got = await runtime.logits(hidden, { lastPositionOnly: true });
      runtime.release(hidden);
      for (let b = 0; b < batch; b++) {
        const V = config.vocabSize;
        expect(closeness(got.subarray(b * V, (b + 1) * V), full[b].subarray(t * V, (t + 1) * V))).toBeLessThanOrEqual(1e-4);
      }
      if (t + 1 === length) break;
      hidden = await forwardHidden(runtime, Int32Array.from(sequences.map((ids) => ids[t + 1])), { batch, seqLen: 1, positionOffset: cache.length, cache });
    }
    cache.dispose();
    runtime.dispose();
  });

  it('captures layer inputs, reads weights back and takes a pruned layer', async () => {
    const gpu = await testGpu();
    const { config, weights } = variant('pre-LN (125m-like)', rng.int(1000));
    const runtime = await GpuOptRuntime.load(gpu, config, { weights: cloneWeights(weights) });
    const x = await runtime.embed(randomIds(rng, 5, config.vocabSize), { batch: 1, seqLen: 5 });
    const result = await runtime.layer(0, x, { capture: { outProjInput: true, fc2Input: true } });
    expect((await runtime.read(result.outProjInput!)).length).toBe(5 * 24);
    const fc2Input = await runtime.read(result.fc2Input!);
    expect(fc2Input.length).toBe(5 * 40);
    expect(Math.min(...fc2Input)).toBeGreaterThanOrEqual(0);
    runtime.release(x, result.hidden, result.outProjInput, result.fc2Input);

    const layer = await runtime.getLayerWeights(0);
    expect(closeness(layer.fc1.weight, weights.layers[0].fc1.weight)).toBe(0);
    // Keep the first 7 FFN neurons and, per head, 2, 0 and 8 value channels.
    const H = config.hiddenSize;
    const keptHeads = [2, 0, 8];
    const vRows = keptHeads.flatMap((width, h) => Array.from({ length: width }, (_, c) => h * config.headDim + c));
    const pruned = {
      ...layer,
      vProj: { weight: Float32Array.from(vRows.flatMap((r) => [...layer.vProj.weight.subarray(r * H, (r + 1) * H)])), bias: Float32Array.from(vRows.map((r) => layer.vProj.bias![r])), outFeatures: vRows.length, inFeatures: H },
      outProj: { ...layer.outProj, weight: Float32Array.from({ length: H * vRows.length }, (_, i) => layer.outProj.weight[Math.floor(i / vRows.length) * H + vRows[i % vRows.length]]), inFeatures: vRows.length },
      fc1: { ...layer.fc1, weight: layer.fc1.weight.slice(0, 7 * H), bias: layer.fc1.bias!.slice(0, 7), outFeatures: 7 },
      fc2: { ...layer.fc2, weight: Float32Array.from({ length: H * 7 }, (_, i) => layer.fc2.weight[Math.floor(i / 7) * config.ffnDim + (i % 7)]), inFeatures: 7 },
    };
    await runtime.setLayerWeights(0, pruned, keptHeads);
    expect(runtime.config.vDims[0]).toBe(10);
    const ids = randomIds(rng, 6, config.vocabSize);
    const want = referenceLogits(runtime.config, { ...weights, layers: [pruned, weights.layers[1]] }, ids);
    expect(closeness(await sequenceLogits(runtime, ids), want)).toBeLessThanOrEqual(1e-4);
    runtime.dispose();
  });
});
