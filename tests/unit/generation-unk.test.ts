import { describe, expect, it } from 'vitest';
import { generateSamples } from '../../src/lib/calibration/selfGenerate.ts';
import { SELFGEN_DEFAULTS } from '../../src/lib/calibration/settings.ts';
import type { CalibrationTokenizer } from '../../src/lib/calibration/texts.ts';
import { CpuOptRuntime } from '../../src/lib/opt/cpu/cpuRuntime.ts';
import { nodeTf } from '../../src/lib/opt/cpu/nodeTf.ts';
import { generate, generateBatch } from '../../src/lib/opt/generate.ts';
import { nextTokenDistribution, sampleNext, unkSuppression } from '../../src/lib/opt/sampling.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { cloneWeights, variant } from '../helpers/optModels.ts';

/**
 * `<unk>` is never sampled unless allowed: a toy model whose every logit row has `<unk>` (id 3) on top
 * by far still never writes it once it is masked, greedy or sampled, one prompt or a batch, and in
 * self-generated calibration text.
 */
const UNK = 3;

/** A toy model whose final layer norm outputs a constant (weight 0, bias = <unk>'s embedding ×10): <unk> tops every row. */
async function unkLovingModel() {
  const tf = await nodeTf();
  const { config, weights } = variant('pre-LN (125m-like)', 11);
  const dim = config.wordEmbedProjDim;
  const unkRow = weights.embedTokens.subarray(UNK * dim, (UNK + 1) * dim);
  for (let i = 0; i < dim; i++) unkRow[i] *= 10;
  const finalNorm = weights.finalLayerNorm;
  if (!finalNorm?.weight || !finalNorm.bias) throw new Error('the pre-LN variant has an affine final layer norm');
  finalNorm.weight.fill(0);
  finalNorm.bias.set(unkRow);
  return { config, runtime: new CpuOptRuntime(tf, config, cloneWeights(weights)) };
}

const sampled = { temperature: 1.5, topK: 0, topP: 1, repetitionPenalty: 1 };

describe('masking <unk>', () => {
  it('removes a masked id from the distribution even when it has the top logit', () => {
    const logits = Float32Array.from([0.1, 0.2, 0.3, 9, 0.4]);
    expect(nextTokenDistribution(logits, [], { ...sampled, temperature: 0 }).ids).toEqual([3]);
    expect(nextTokenDistribution(logits, [], { ...sampled, temperature: 0, suppressIds: [3] }).ids).toEqual([4]);
    const { ids, probs } = nextTokenDistribution(logits, [], { ...sampled, suppressIds: [3] });
    expect(ids).not.toContain(3);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const rng = new Rng(1);
    for (let i = 0; i < 200; i++) expect(sampleNext(logits, [], { ...sampled, suppressIds: [3] }, rng)).not.toBe(3);
  });

  it('unkSuppression masks the tokenizer’s <unk> unless allowed, and nothing for a vocabulary without one', () => {
    expect(unkSuppression({ unkId: 3 })).toEqual([3]);
    expect(unkSuppression({ unkId: 3 }, true)).toEqual([]);
    expect(unkSuppression({})).toEqual([]);
  });

  it('the toy model writes only <unk> unmasked, and never once masked (greedy, sampled, batched)', async () => {
    const { runtime } = await unkLovingModel();
    const prompt = Int32Array.from([2, 7, 9]);
    const unmasked = await generate(runtime, prompt, { ...sampled, temperature: 0, maxNewTokens: 6, seed: 0, stopAtEos: false });
    expect(Array.from(unmasked.ids)).toEqual([UNK, UNK, UNK, UNK, UNK, UNK]);
    const greedy = await generate(runtime, prompt, { ...sampled, temperature: 0, maxNewTokens: 6, seed: 0, stopAtEos: false, suppressIds: [UNK] });
    expect(Array.from(greedy.ids)).not.toContain(UNK);
    const batch = await generateBatch(runtime, [prompt, Int32Array.from([2, 4, 5])], { ...sampled, maxNewTokens: 10, seeds: [1, 2], stopAtEos: false, suppressIds: [UNK] });
    for (const sequence of batch.sequences) expect(Array.from(sequence.ids)).not.toContain(UNK);
    runtime.dispose();
  });

  it('self-generated calibration text has no <unk> by default, and has it when allowed', async () => {
    const { config, runtime } = await unkLovingModel();
    const tokenizer: CalibrationTokenizer = {
      bosId: 2,
      vocabSize: config.vocabSize,
      unkId: UNK,
      encode: (text, options) => Int32Array.from([...(options?.addBos === false ? [] : [2]), ...Array.from(text, (c) => 4 + (c.charCodeAt(0) % (config.vocabSize - 4)))]),
      decode: (ids) => Array.from(ids).join(' '),
      specialIds: () => [0, 1, 2, 3],
    };
    const settings = { ...SELFGEN_DEFAULTS, nPrompts: 3, promptTokens: 2, genLength: 8, batchSize: 2 };
    const job = { runtime, tokenizer, pool: ['abc', 'defg', 'hij', 'klmno'], seed: 0 };
    const masked = await generateSamples({ ...job, settings });
    expect(masked.flatMap((s) => s.ids)).not.toContain(UNK);
    const allowed = await generateSamples({ ...job, settings: { ...settings, allowUnk: true } });
    expect(allowed.flatMap((s) => s.ids)).toContain(UNK);
    runtime.dispose();
  });
});
