import { describe, expect, it } from 'vitest';
import { gpuPruneMemoryPlan, optParameterTotal } from '../../src/lib/pruning/gpuMemoryPlan.ts';
import { opt125mConfig } from '../../bench/optShapes.ts';

describe('the GPU pruning memory plan', () => {
  it('counts OPT-125M’s 125,239,296 parameters (the figure Hugging Face reports)', () => {
    expect(optParameterTotal(opt125mConfig())).toBe(125_239_296);
  });

  it('holds every calibration token’s hidden states, plus one batch, and fits 128 × 2048 tokens of OPT-125M in 2 GB', () => {
    const plan = gpuPruneMemoryPlan({ config: opt125mConfig(), calibrationTokens: 128 * 2048, batchTokens: 2048, sparsity: 0.2 });
    const term = (name: string) => plan.terms.find((t) => t.name === name)!.bytes;
    expect(term('hidden states')).toBe((128 * 2048 + 2048) * 768 * 4);
    expect(term('statistics')).toBe((3072 ** 2 + 768 ** 2 + 2 * (3072 + 768)) * 4);
    expect(plan.totalBytes).toBe(plan.terms.reduce((sum, t) => sum + t.bytes, 0));
    expect(plan.totalBytes).toBeLessThan(2e9);
  });

  it('grows with the calibration tokens only through the hidden states', () => {
    const config = opt125mConfig();
    const small = gpuPruneMemoryPlan({ config, calibrationTokens: 4096, batchTokens: 2048, sparsity: 0.2 });
    const large = gpuPruneMemoryPlan({ config, calibrationTokens: 8192, batchTokens: 2048, sparsity: 0.2 });
    expect(large.totalBytes - small.totalBytes).toBe(4096 * 768 * 4);
  });

  it('refuses an empty calibration', () => {
    expect(() => gpuPruneMemoryPlan({ config: opt125mConfig(), calibrationTokens: 0, batchTokens: 2048, sparsity: 0.2 })).toThrow(RangeError);
  });
});
