import { describe, expect, it } from 'vitest';
import { gpuPruneMemoryPlan, optMatrixParameterTotal, optParameterTotal } from '../../src/lib/pruning/gpuMemoryPlan.ts';
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

  it('with f16 weight matrices, halves the token table and the linears and keeps the rest f32', () => {
    const config = opt125mConfig();
    // OPT-125M: 50,272 × 768 token table + 12 layers × (4 · 768² + 2 · 768 · 3,072).
    expect(optMatrixParameterTotal(config)).toBe(50_272 * 768 + 12 * (4 * 768 ** 2 + 2 * 768 * 3072));
    const input = { config, calibrationTokens: 128 * 2048, batchTokens: 2048, sparsity: 0.2 };
    const f32 = gpuPruneMemoryPlan(input);
    const f16 = gpuPruneMemoryPlan({ ...input, weightPrecision: 'f16' });
    const term = (plan: typeof f32, name: string) => plan.terms.find((t) => t.name === name)!.bytes;
    const other = optParameterTotal(config) - optMatrixParameterTotal(config);
    expect(term(f16, 'weights')).toBe(optMatrixParameterTotal(config) * 2 + other * 4);
    expect(term(f32, 'weights') - term(f16, 'weights')).toBe(optMatrixParameterTotal(config) * 2);
    expect(term(f16, 'swapped layer')).toBe((4 * 768 ** 2 + 2 * 768 * 3072) * 2 + (4 * 768 + 3072 + 768 + 4 * 768) * 4);
    expect(term(f16, 'hidden states')).toBe(term(f32, 'hidden states'));
    console.info(`[gpuMemoryPlan] OPT-125M, 128 × 2048 tokens: f32 ${(f32.totalBytes / 1e6).toFixed(0)} MB (weights ${(term(f32, 'weights') / 1e6).toFixed(0)} MB), f16 weights ${(f16.totalBytes / 1e6).toFixed(0)} MB (weights ${(term(f16, 'weights') / 1e6).toFixed(0)} MB)`);
  });

  it('refuses an empty calibration', () => {
    expect(() => gpuPruneMemoryPlan({ config: opt125mConfig(), calibrationTokens: 0, batchTokens: 2048, sparsity: 0.2 })).toThrow(RangeError);
  });
});
