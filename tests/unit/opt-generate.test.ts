import { describe, expect, it } from 'vitest';
import { CpuOptRuntime } from '../../src/lib/opt/cpu/cpuRuntime.ts';
import { nodeTf } from '../../src/lib/opt/cpu/nodeTf.ts';
import { generate } from '../../src/lib/opt/generate.ts';
import { perplexity, windowCount } from '../../src/lib/opt/perplexity.ts';
import { nllFromLogits, referenceLogits } from '../../src/lib/opt/reference.ts';
import { argmax, DEFAULT_SAMPLING, penalizeRepeats, sampleNext } from '../../src/lib/opt/sampling.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { cloneWeights, randomIds, variant } from '../helpers/optModels.ts';

async function model(name = 'pre-LN (125m-like)') {
  const tf = await nodeTf();
  const { config, weights } = variant(name, 3);
  return { config, weights, runtime: new CpuOptRuntime(tf, config, cloneWeights(weights)) };
}

describe('perplexity', () => {
  it('counts whole windows, drops the remainder, and uses a short text whole', () => {
    expect(windowCount(50, 16)).toBe(3);
    expect(windowCount(48, 16)).toBe(3);
    expect(windowCount(10, 16)).toBe(1);
    expect(windowCount(1, 16)).toBe(0);
  });

  it('is exp of the mean reference NLL over non-overlapping windows', async () => {
    const { config, weights, runtime } = await model();
    const ids = randomIds(new Rng(5), 37, config.vocabSize);
    const result = await perplexity(runtime, ids, { seqLen: 12, windowsPerBatch: 2 });
    let sum = 0;
    for (let w = 0; w < 3; w++) {
      const window = ids.subarray(w * 12, (w + 1) * 12);
      sum += nllFromLogits(referenceLogits(config, weights, window), window, config.vocabSize).reduce((a, b) => a + b, 0);
    }
    expect(result.windows).toBe(3);
    expect(result.tokens).toBe(33);
    expect(result.meanNll).toBeCloseTo(sum / 33, 4);
    expect(result.ppl).toBeCloseTo(Math.exp(sum / 33), 2);
    expect(result.windowNll).toHaveLength(3);
    runtime.dispose();
  });

  it('honours maxWindows and a text shorter than one window', async () => {
    const { config, runtime } = await model();
    const ids = randomIds(new Rng(6), 40, config.vocabSize);
    const cut = await perplexity(runtime, ids, { seqLen: 10, maxWindows: 2 });
    expect([cut.windows, cut.windowsInText, cut.tokens]).toEqual([2, 4, 18]);
    const short = await perplexity(runtime, ids.subarray(0, 7), { seqLen: 16 });
    expect([short.windows, short.seqLen, short.tokens]).toEqual([1, 7, 6]);
    await expect(perplexity(runtime, ids, { seqLen: 64 })).rejects.toThrow(/exceeds the model's 20 positions/);
    runtime.dispose();
  });

  it('reports progress per window and stops when cancelled', async () => {
    const { config, runtime } = await model();
    const ids = randomIds(new Rng(7), 60, config.vocabSize);
    const seen: number[] = [];
    const { CancelFlag } = await import('../../src/lib/cancel.ts');
    const cancel = new CancelFlag();
    const run = perplexity(runtime, ids, {
      seqLen: 10,
      cancel,
      onProgress: (p) => {
        seen.push(p.done);
        if (p.done >= 2) cancel.cancel();
      },
    });
    await expect(run).rejects.toThrow('Cancelled');
    expect(seen[0]).toBe(0);
    expect(Math.max(...seen)).toBeLessThan(6);
    runtime.dispose();
  });
});

describe('sampling', () => {
  it('greedy is the argmax; a repetition penalty divides positive and multiplies negative logits', () => {
    const logits = Float32Array.from([1, 4, -2, 3]);
    expect(sampleNext(logits, [], DEFAULT_SAMPLING, new Rng(1))).toBe(1);
    expect([...penalizeRepeats(logits, [1, 2, 2], 2)]).toEqual([1, 2, -4, 3]);
    expect(sampleNext(logits, [1], { ...DEFAULT_SAMPLING, repetitionPenalty: 2 }, new Rng(1))).toBe(3);
  });

  it('top-k 1 and a tiny top-p are greedy; temperature sampling follows the softmax', () => {
    const logits = Float32Array.from([0, Math.log(3), -50, -50]);
    const rng = new Rng(11);
    const options = { temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1 };
    expect(sampleNext(logits, [], { ...options, topK: 1 }, rng)).toBe(1);
    expect(sampleNext(logits, [], { ...options, topP: 0.01 }, rng)).toBe(1);
    let ones = 0;
    for (let i = 0; i < 4000; i++) if (sampleNext(logits, [], options, rng) === 1) ones++;
    expect(ones / 4000).toBeGreaterThan(0.72);
    expect(ones / 4000).toBeLessThan(0.78);
    expect(() => sampleNext(logits, [], { ...options, topP: 0 }, rng)).not.toThrow();
  });
});

describe('generation with a KV cache', () => {
  it('greedy generation equals re-running the whole sequence and taking the argmax each step', async () => {
    const { config, weights, runtime } = await model('post-LN with project_in/out (350m-like)');
    const prompt = randomIds(new Rng(8), 4, config.vocabSize);
    const streamed: number[] = [];
    const result = await generate(runtime, prompt, { ...DEFAULT_SAMPLING, maxNewTokens: 8, seed: 0, stopAtEos: false, onToken: (id) => void streamed.push(id) });
    const sequence = Array.from(prompt);
    for (let step = 0; step < 8; step++) {
      const logits = referenceLogits(config, weights, Int32Array.from(sequence));
      sequence.push(argmax(logits.subarray((sequence.length - 1) * config.vocabSize)));
    }
    expect([...result.ids]).toEqual(sequence.slice(4));
    expect(streamed).toEqual(sequence.slice(4));
    expect(result.stoppedBy).toBe('max-new-tokens');
    runtime.dispose();
  });

  it('is reproducible for a seed, and stops when the positions run out', async () => {
    const { config, runtime } = await model();
    const prompt = randomIds(new Rng(9), 5, config.vocabSize);
    const options = { temperature: 0.9, topK: 20, topP: 0.95, repetitionPenalty: 1.2, maxNewTokens: 30, seed: 42, stopAtEos: false };
    const a = await generate(runtime, prompt, options);
    const b = await generate(runtime, prompt, options);
    expect([...a.ids]).toEqual([...b.ids]);
    expect(a.stoppedBy).toBe('max-positions');
    expect(a.ids.length).toBe(config.maxPositions - prompt.length + 1);
    await expect(generate(runtime, randomIds(new Rng(1), 20, config.vocabSize), options)).rejects.toThrow(/at most 19/);
    runtime.dispose();
  });
});
