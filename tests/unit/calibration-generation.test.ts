import { describe, expect, it } from 'vitest';
import { openCliModel } from '../../src/cli/commands/optModel.ts';
import { SELFGEN_DEFAULTS } from '../../src/lib/calibration/settings.ts';
import { CpuOptRuntime } from '../../src/lib/opt/cpu/cpuRuntime.ts';
import { nodeTf } from '../../src/lib/opt/cpu/nodeTf.ts';
import { generate, generateBatch } from '../../src/lib/opt/generate.ts';
import { DEFAULT_SAMPLING, nextTokenDistribution, sampleNext, topKIds, type SamplingOptions } from '../../src/lib/opt/sampling.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { cloneWeights, randomIds, variant } from '../helpers/optModels.ts';

/** The generation settings of self-generated calibration text, and batched decoding with the KV cache. */
const PAPER = SELFGEN_DEFAULTS.sampling; // temperature 0.6, top-k 50, top-p 0.95, repetition penalty 1.2
const plain: SamplingOptions = { temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1 };
const logitsOf = (probs: number[]) => Float32Array.from(probs, Math.log);

function softmax(logits: ArrayLike<number>): number[] {
  const max = Math.max(...Array.from(logits));
  const e = Array.from(logits, (x) => Math.exp(x - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

describe('the sampling chain on a toy distribution', () => {
  it('sticks to the paper’s settings: temperature 0.6, top-k 50, top-p 0.95, repetition penalty 1.2', () => {
    expect(PAPER).toEqual({ temperature: 0.6, topK: 50, topP: 0.95, repetitionPenalty: 1.2 });
  });

  it('temperature T turns probabilities p into p^(1/T), renormalized', () => {
    const p = [0.5, 0.3, 0.15, 0.05];
    const { ids, probs } = nextTokenDistribution(logitsOf(p), [], { ...plain, temperature: 0.6 });
    const sharpened = p.map((x) => x ** (1 / 0.6));
    const sum = sharpened.reduce((a, b) => a + b, 0);
    expect(ids).toEqual([0, 1, 2, 3]);
    probs.forEach((q, i) => expect(q).toBeCloseTo(sharpened[i] / sum, 6));
  });

  it('top-k keeps exactly the k most likely tokens (ties to the lower id) and renormalizes', () => {
    const rng = new Rng(3);
    // 120 tokens, values on a coarse grid so that many tie.
    const logits = Float32Array.from({ length: 120 }, () => Math.round(rng.normal() * 4) / 2);
    const { ids, probs } = nextTokenDistribution(logits, [], { ...plain, topK: 50 });
    const byRank = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a] || a - b);
    expect(ids).toEqual(byRank.slice(0, 50));
    const kept = softmax(ids.map((id) => logits[id]));
    probs.forEach((q, i) => expect(q).toBeCloseTo(kept[i], 6));
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('top-p keeps the shortest most-likely prefix whose probability reaches p', () => {
    expect(nextTokenDistribution(logitsOf([0.5, 0.3, 0.16, 0.03, 0.01]), [], { ...plain, topP: 0.95 }).ids).toEqual([0, 1, 2]);
    expect(nextTokenDistribution(logitsOf([0.5, 0.3, 0.14, 0.05, 0.01]), [], { ...plain, topP: 0.95 }).ids).toEqual([0, 1, 2, 3]);
    const { probs } = nextTokenDistribution(logitsOf([0.5, 0.3, 0.16, 0.03, 0.01]), [], { ...plain, topP: 0.95 });
    probs.forEach((q, i) => expect(q).toBeCloseTo([0.5, 0.3, 0.16][i] / 0.96, 6));
    // Even a tiny p keeps one token.
    expect(nextTokenDistribution(logitsOf([0.2, 0.8]), [], { ...plain, topP: 1e-6 }).ids).toEqual([1]);
  });

  it('the repetition penalty divides a seen token’s positive logit and multiplies its negative one, before the rest', () => {
    const logits = Float32Array.from([2, 1.9, -1, -1.1]);
    const { ids, probs } = nextTokenDistribution(logits, [0, 2, 2], { ...plain, repetitionPenalty: 1.2 });
    const penalized = [2 / 1.2, 1.9, -1 * 1.2, -1.1];
    const want = softmax(penalized);
    // Token 0 was the favourite; after the penalty token 1 is, and token 2 falls below token 3.
    expect(ids).toEqual([1, 0, 3, 2]);
    probs.forEach((q, i) => expect(q).toBeCloseTo(want[ids[i]], 6));
  });

  it('all four together: top-k on the tempered, penalized logits, then the nucleus', () => {
    // 100 tokens with Zipf probabilities ∝ 1/(r+1); tokens 0 and 5 were seen.
    const p = Array.from({ length: 100 }, (_, r) => 1 / (r + 1));
    const logits = Float32Array.from(p, Math.log);
    const { ids, probs } = nextTokenDistribution(logits, [0, 5], PAPER);
    const penalized = Array.from(logits, (x, id) => (id === 0 || id === 5 ? (x > 0 ? x / 1.2 : x * 1.2) : x));
    const order = Array.from(penalized.keys()).sort((a, b) => penalized[b] - penalized[a] || a - b).slice(0, 50);
    const tempered = softmax(order.map((id) => penalized[id] / 0.6));
    let cut = 0;
    for (let cumulative = 0; cumulative < 0.95; cut++) cumulative += tempered[cut];
    expect(ids).toEqual(order.slice(0, cut));
    const nucleus = tempered.slice(0, cut).reduce((a, b) => a + b, 0);
    probs.forEach((q, i) => expect(q).toBeCloseTo(tempered[i] / nucleus, 6));
    expect(ids.length).toBeLessThan(50);
  });

  it('draws follow the distribution (20 000 seeded draws, within 4 standard errors)', () => {
    const logits = logitsOf([0.5, 0.3, 0.15, 0.05]);
    const options = { ...plain, temperature: 0.6, topP: 0.95 };
    const { ids, probs } = nextTokenDistribution(logits, [], options);
    const rng = new Rng(21);
    const counts = new Map<number, number>();
    const draws = 20_000;
    for (let i = 0; i < draws; i++) {
      const id = sampleNext(logits, [], options, rng);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect([...counts.keys()].every((id) => ids.includes(id))).toBe(true);
    ids.forEach((id, i) => expect(Math.abs((counts.get(id) ?? 0) / draws - probs[i])).toBeLessThan(4 * Math.sqrt((probs[i] * (1 - probs[i])) / draws)));
  });

  it('top-k selection gives the full sort’s order for every k, ties included', () => {
    const rng = new Rng(9);
    for (const size of [1, 7, 300]) {
      const scores = Float32Array.from({ length: size }, () => rng.int(12) - 6);
      const full = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b);
      for (const k of [1, 2, 5, 50, size, size + 3]) expect(topKIds(scores, k)).toEqual(full.slice(0, k));
    }
  });
});

async function randomModel(seed = 3) {
  const tf = await nodeTf();
  const { config, weights } = variant('pre-LN (125m-like)', seed);
  return { config, weights, runtime: new CpuOptRuntime(tf, config, cloneWeights(weights)) };
}

describe('batched generation with the KV cache', () => {
  it('equals one-at-a-time generation, greedy and sampled, and the no-cache path equals the cached one', async () => {
    const { config, runtime } = await randomModel();
    const rng = new Rng(4);
    const prompts = Array.from({ length: 5 }, () => randomIds(rng, 3, config.vocabSize));
    const seeds = [11, 12, 13, 14, 15];
    for (const sampling of [DEFAULT_SAMPLING, PAPER]) {
      const options = { ...sampling, maxNewTokens: 9, stopAtEos: false };
      const batched = await generateBatch(runtime, prompts, { ...options, seeds });
      const uncached = await generateBatch(runtime, prompts, { ...options, seeds, kvCache: false });
      for (let b = 0; b < prompts.length; b++) {
        const single = await generate(runtime, prompts[b], { ...options, seed: seeds[b] });
        expect([...batched.sequences[b].ids]).toEqual([...single.ids]);
        expect([...uncached.sequences[b].ids]).toEqual([...single.ids]);
      }
      expect(batched.newTokens).toBe(45);
    }
    runtime.dispose();
  });

  it('stops a sequence at </s> while the others go on, and refuses uneven prompts or a wrong number of seeds', async () => {
    const tf = await nodeTf();
    const { config, weights } = variant('pre-LN (125m-like)', 5);
    const prompts = [Int32Array.of(2, 7, 9), Int32Array.of(2, 8, 10)];
    const greedy = { ...DEFAULT_SAMPLING, maxNewTokens: 4, seeds: [0, 1] };
    const free = new CpuOptRuntime(tf, config, cloneWeights(weights));
    const unstopped = await generateBatch(free, prompts, { ...greedy, stopAtEos: false });
    free.dispose();
    // Declare sequence 0's first greedy token the end-of-sequence token: it must stop right there.
    const first = unstopped.sequences[0].ids[0];
    const runtime = new CpuOptRuntime(tf, { ...config, eosTokenId: first }, cloneWeights(weights));
    const stopped = await generateBatch(runtime, prompts, greedy);
    expect(stopped.sequences[0]).toMatchObject({ stoppedBy: 'eos', ids: Int32Array.of(first) });
    const other = [...unstopped.sequences[1].ids];
    const otherStop = other.indexOf(first);
    expect([...stopped.sequences[1].ids]).toEqual(otherStop < 0 ? other : other.slice(0, otherStop + 1));
    expect(stopped.sequences[1].stoppedBy).toBe(otherStop < 0 ? 'max-new-tokens' : 'eos');
    await expect(generateBatch(runtime, [Int32Array.of(2, 3), Int32Array.of(2)], greedy)).rejects.toThrow(/same number of tokens/);
    await expect(generateBatch(runtime, prompts, { ...greedy, seeds: [0] })).rejects.toThrow(/1 seeds for 2 prompts/);
    runtime.dispose();
  });
});

describe('batched generation on the embedded mini-OPT', () => {
  it('gives what one-at-a-time generation gives for the same seeds (greedy and the paper’s sampling)', async () => {
    const { runtime, tokenizer } = await openCliModel('embedded');
    const texts = [' The game', ' In 1998', ' Homarus gammarus', ' The city', ' After the', ' He was'];
    // Every prompt is </s> + its first 2 tokens, as self-generation makes them.
    const prompts = texts.map((t) => Int32Array.from([tokenizer.bosId, ...tokenizer.encode(t, { addBos: false }).subarray(0, 2)]));
    const seeds = texts.map((_, i) => 100 + i);
    for (const sampling of [DEFAULT_SAMPLING, PAPER]) {
      const options = { ...sampling, maxNewTokens: 24 };
      const batched = await generateBatch(runtime, prompts, { ...options, seeds });
      for (let b = 0; b < prompts.length; b++) {
        const single = await generate(runtime, prompts[b], { ...options, seed: seeds[b] });
        expect([...batched.sequences[b].ids], `${sampling.temperature ? 'sampled' : 'greedy'}, prompt ${b}`).toEqual([...single.ids]);
        expect(batched.sequences[b].stoppedBy).toBe(single.stoppedBy);
      }
    }
    runtime.dispose();
  });
});
