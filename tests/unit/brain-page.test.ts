import { describe, expect, it } from 'vitest';
import type { BrainResult } from '../../src/lib/brain/experiment.ts';
import { PRESETS, configFromParams, paramsFromConfig, resultCsv } from '../../src/lib/brain/pageSettings.ts';
import { InputError } from '../../src/lib/errors.ts';

describe('brain-decoding page settings', () => {
  it('round-trips every preset through the link', () => {
    for (const { config } of Object.values(PRESETS)) {
      const params = new URLSearchParams(Object.entries(paramsFromConfig(config)).map(([k, v]) => [k, String(v)]));
      expect(configFromParams(params)).toEqual(config);
    }
  });
  it('reads a shared link and names a bad setting', () => {
    const config = configFromParams(new URLSearchParams('subjects=1,4&arch=cnn,transformer&rho=0.3&shift=2&g=softplus'));
    expect(config).toMatchObject({ subjects: [1, 4], archs: ['cnn', 'transformer'], similarity: 0.3, shift: 2, nonlinearity: 'softplus' });
    expect(() => configFromParams(new URLSearchParams('arch=rnn'))).toThrow(/link setting arch/);
    expect(() => configFromParams(new URLSearchParams('rho=high'))).toThrow(InputError);
    expect(() => configFromParams(new URLSearchParams('rho=2'))).toThrow(/similarity ρ must be in \[0, 1\]/);
  });
  it('writes the curve, similarity points and fine-tuning rows into one CSV', () => {
    const result = {
      curve: [{ arch: 'mlp', subjects: 4, top1: 0.5, top1Sd: 0.1, top5: 0.9, top5Sd: 0, chance: 0.01, chanceTop5: 0.05, perSeed: [] }],
      similarity: [{ arch: 'mlp', trainSubjects: 4, points: [{ seed: 0, subject: 'S5', cluster: 1, similarity: 0.2, top1: 0.4, top5: 0.8 }], top1: { r: 0, p: 1, n: 1 }, top5: { r: 0, p: 1, n: 1 } }],
      fineTune: [{ arch: 'mlp', seed: 0, subject: 'S5', zeroShot: 0.4, fineTuned: 0.5, subjectOnly: 0.3 }],
    } as unknown as BrainResult;
    const lines = resultCsv(result).trim().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe('curve,mlp,4,,,,,0.5,0.1,0.9,0,0.01,0.05,,');
    expect(lines[2]).toBe('similarity,mlp,4,0,S5,1,0.2,0.4,,0.8,,,,,');
    expect(lines[3]).toBe('fine-tune,mlp,,0,S5,,,0.4,,,,,,0.5,0.3');
  });
});
