import { describe, expect, it } from 'vitest';
import { parseOptConfig } from '../../src/lib/opt/config.ts';
import { CpuOptRuntime } from '../../src/lib/opt/cpu/cpuRuntime.ts';
import { nodeTf } from '../../src/lib/opt/cpu/nodeTf.ts';
import { forwardHidden, sequenceLogits, windowNll } from '../../src/lib/opt/forward.ts';
import { randomOptWeights } from '../../src/lib/opt/randomWeights.ts';
import { nllFromLogits, referenceLogits } from '../../src/lib/opt/reference.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { goldenError, loadGolden } from '../helpers/optFixtures.ts';
import { cloneWeights, closeness, randomIds, variant, VARIANTS } from '../helpers/optModels.ts';

const rng = new Rng(20261127);

describe('the fast CPU path (tfjs-wasm)', () => {
  it('matches the golden fixture: logits and NLL of every case', async () => {
    const tf = await nodeTf();
    const { config, weights, cases } = await loadGolden();
    const runtime = new CpuOptRuntime(tf, config, weights);
    for (const c of cases) {
      const ids = Int32Array.from(c.input_ids);
      expect(goldenError(await sequenceLogits(runtime, ids), c.logits.flat())).toBeLessThanOrEqual(1e-4);
      if (ids.length > 1) expect(goldenError(await windowNll(runtime, ids, { batch: 1, seqLen: ids.length }), c.nll)).toBeLessThanOrEqual(1e-4);
    }
    runtime.dispose();
  });

  for (const name of Object.keys(VARIANTS)) {
    it(`matches the naive reference: ${name}`, async () => {
      const tf = await nodeTf();
      const { config, weights } = variant(name);
      const runtime = new CpuOptRuntime(tf, config, cloneWeights(weights));
      for (const length of [1, 13]) {
        const ids = randomIds(rng, length, config.vocabSize);
        const want = referenceLogits(config, weights, ids);
        expect(closeness(await sequenceLogits(runtime, ids), want)).toBeLessThanOrEqual(1e-4);
        if (length > 1) {
          const nll = await windowNll(runtime, ids, { batch: 1, seqLen: length });
          expect(closeness(nll, nllFromLogits(want, ids, config.vocabSize))).toBeLessThanOrEqual(1e-4);
        }
      }
      runtime.dispose();
    });
  }

  it('windows longer than the attention query block (128) match the naive reference, whole and continued from a KV cache', async () => {
    const tf = await nodeTf();
    const config = parseOptConfig({ vocab_size: 53, max_position_embeddings: 300, ...VARIANTS['pruned widths, one head with no value channels'] });
    const weights = randomOptWeights(config, new Rng(8));
    const runtime = new CpuOptRuntime(tf, config, cloneWeights(weights));
    const length = 290;
    const sequences = [randomIds(rng, length, config.vocabSize), randomIds(rng, length, config.vocabSize)];
    const want = sequences.map((ids) => referenceLogits(config, weights, ids));
    const both = await windowNll(runtime, Int32Array.from(sequences.flatMap((ids) => [...ids])), { batch: 2, seqLen: length });
    expect(closeness(both, [...nllFromLogits(want[0], sequences[0], config.vocabSize), ...nllFromLogits(want[1], sequences[1], config.vocabSize)])).toBeLessThanOrEqual(1e-4);
    // A prompt of 200 (two blocks, the second partial), then 90 more tokens in one call against the cache.
    const cache = runtime.createKvCache(1, length);
    await forwardHidden(runtime, sequences[0].subarray(0, 200), { batch: 1, seqLen: 200, cache });
    const rest = await forwardHidden(runtime, sequences[0].subarray(200), { batch: 1, seqLen: length - 200, positionOffset: 200, cache });
    const restLogits = await runtime.logits(rest);
    expect(closeness(restLogits, want[0].subarray(200 * config.vocabSize))).toBeLessThanOrEqual(1e-4);
    runtime.dispose();
  });

  it('captureInputs gives the captures of the whole layer', async () => {
    const tf = await nodeTf();
    const { config, weights } = variant('pre-LN (125m-like)');
    const runtime = new CpuOptRuntime(tf, config, weights);
    const x = await runtime.embed(randomIds(rng, 12, config.vocabSize), { batch: 2, seqLen: 6 });
    const whole = await runtime.layer(0, x, { capture: { outProjInput: true, fc2Input: true } });
    const captured = await runtime.captureInputs(0, x, { outProjInput: true, fc2Input: true });
    expect([...captured.outProjInput!.data]).toEqual([...whole.outProjInput!.data]);
    expect([...captured.fc2Input!.data]).toEqual([...whole.fc2Input!.data]);
    const attentionOnly = await runtime.captureInputs(0, x, { outProjInput: true });
    expect(attentionOnly.fc2Input).toBeUndefined();
    expect([...attentionOnly.outProjInput!.data]).toEqual([...whole.outProjInput!.data]);
    runtime.dispose();
  });

  it('a batch of windows gives the NLL of each window alone', async () => {
    const tf = await nodeTf();
    const { config, weights } = variant('pruned widths, one head with no value channels');
    const runtime = new CpuOptRuntime(tf, config, weights);
    const a = randomIds(rng, 9, config.vocabSize);
    const b = randomIds(rng, 9, config.vocabSize);
    const both = await windowNll(runtime, Int32Array.from([...a, ...b]), { batch: 2, seqLen: 9 });
    const alone = [...(await windowNll(runtime, a, { batch: 1, seqLen: 9 })), ...(await windowNll(runtime, b, { batch: 1, seqLen: 9 }))];
    expect(closeness(both, alone)).toBeLessThanOrEqual(1e-5);
    runtime.dispose();
  });

  it('decoding with a KV cache gives the logits of the full forward pass, for batch 1 and 2', async () => {
    const tf = await nodeTf();
    for (const name of ['post-LN with project_in/out (350m-like)', 'pruned widths, one head with no value channels']) {
      const { config, weights } = variant(name);
      const runtime = new CpuOptRuntime(tf, config, weights);
      for (const batch of [1, 2]) {
        const length = 11;
        const prompt = 4;
        const sequences = Array.from({ length: batch }, () => randomIds(rng, length, config.vocabSize));
        const full = await Promise.all(sequences.map((ids) => sequenceLogits(runtime, ids)));
        const cache = runtime.createKvCache(batch, length);
        const promptIds = Int32Array.from(sequences.flatMap((ids) => [...ids.subarray(0, prompt)]));
        let hidden = await forwardHidden(runtime, promptIds, { batch, seqLen: prompt, cache });
        let got = await runtime.logits(hidden, { lastPositionOnly: true });
        for (let t = prompt - 1; t < length; t++) {
          for (let b = 0; b < batch; b++) {
            const want = full[b].subarray(t * config.vocabSize, (t + 1) * config.vocabSize);
            expect(closeness(got.subarray(b * config.vocabSize, (b + 1) * config.vocabSize), want)).toBeLessThanOrEqual(1e-4);
          }
          if (t + 1 === length) break;
          const step = Int32Array.from(sequences.map((ids) => ids[t + 1]));
          hidden = await forwardHidden(runtime, step, { batch, seqLen: 1, positionOffset: cache.length, cache });
          got = await runtime.logits(hidden, { lastPositionOnly: true });
        }
        expect(cache.length).toBe(length);
      }
      runtime.dispose();
    }
  });

  it('captures out_proj and fc2 inputs of the shapes pruning expects', async () => {
    const tf = await nodeTf();
    const { config, weights } = variant('pruned widths, one head with no value channels');
    const runtime = new CpuOptRuntime(tf, config, weights);
    const x = await runtime.embed(randomIds(rng, 6, config.vocabSize), { batch: 1, seqLen: 6 });
    const result = await runtime.layer(0, x, { capture: { outProjInput: true, fc2Input: true } });
    expect(result.outProjInput?.width).toBe(14);
    expect(result.outProjInput?.data.length).toBe(6 * 14);
    expect(result.fc2Input?.width).toBe(17);
    expect(Math.min(...result.fc2Input!.data)).toBeGreaterThanOrEqual(0);
    // Head 1 keeps no value channels: the columns after head 0's six belong to head 2.
    const none = await runtime.layer(1, result.hidden, { capture: { outProjInput: true, fc2Input: true } });
    expect(none.outProjInput?.width).toBe(0);
    expect(none.fc2Input?.width).toBe(0);
    runtime.dispose();
  });

  it('swapping in a pruned layer changes the config and matches the reference on the pruned model', async () => {
    const tf = await nodeTf();
    const { config, weights } = variant('pre-LN (125m-like)');
    const runtime = new CpuOptRuntime(tf, config, cloneWeights(weights));
    const layer = await runtime.getLayerWeights(1);
    expect(closeness(layer.fc2.weight, weights.layers[1].fc2.weight)).toBe(0);
    // Keep FFN neurons 0–9 and, per head, the first 3, 0 and 8 value channels.
    const keptFfn = 10;
    const keptHeads = [3, 0, 8];
    const headDim = config.headDim;
    const vRows = keptHeads.flatMap((width, h) => Array.from({ length: width }, (_, c) => h * headDim + c));
    const H = config.hiddenSize;
    const pruned = {
      ...layer,
      vProj: { weight: Float32Array.from(vRows.flatMap((r) => [...layer.vProj.weight.subarray(r * H, (r + 1) * H)])), bias: Float32Array.from(vRows.map((r) => layer.vProj.bias![r])), outFeatures: vRows.length, inFeatures: H },
      outProj: { ...layer.outProj, weight: Float32Array.from({ length: H * vRows.length }, (_, i) => layer.outProj.weight[Math.floor(i / vRows.length) * H + vRows[i % vRows.length]]), inFeatures: vRows.length },
      fc1: { ...layer.fc1, weight: layer.fc1.weight.slice(0, keptFfn * H), bias: layer.fc1.bias!.slice(0, keptFfn), outFeatures: keptFfn },
      fc2: { ...layer.fc2, weight: Float32Array.from({ length: H * keptFfn }, (_, i) => layer.fc2.weight[Math.floor(i / keptFfn) * config.ffnDim + (i % keptFfn)]), inFeatures: keptFfn },
    };
    await runtime.setLayerWeights(1, structuredClone(pruned), keptHeads);
    expect(runtime.config.ffnDims).toEqual([40, 10]);
    expect(runtime.config.vHeadDims[1]).toEqual(keptHeads);
    expect(runtime.config.vDims).toEqual([24, 11]);
    const prunedWeights = { ...weights, layers: [weights.layers[0], pruned] };
    const ids = randomIds(rng, 8, config.vocabSize);
    expect(closeness(await sequenceLogits(runtime, ids), referenceLogits(runtime.config, prunedWeights, ids))).toBeLessThanOrEqual(1e-4);
    // Value widths that disagree with v_proj's rows are refused, and the layer stays as it was.
    await expect(runtime.setLayerWeights(0, pruned, [8, 8, 8])).rejects.toThrow(/v_proj: expected \[24, 24\]/);
    expect(runtime.config.vDims[0]).toBe(24);
    runtime.dispose();
  });
});
