import { describe, expect, it } from 'vitest';
import { PRESETS, configFromParams, experimentConfig, paramsFromConfig } from '../../src/lib/caption/pageSettings.ts';

describe('captioning page settings and their link form', () => {
  it('round-trips every preset through the URL', () => {
    for (const { config } of Object.values(PRESETS)) {
      const params = new URLSearchParams(Object.entries(paramsFromConfig(config)).map(([k, v]) => [k, String(v)]));
      expect(configFromParams(params)).toEqual(config);
    }
  });

  it('reads few+pseudo whether the + arrives encoded or as a space', () => {
    expect(configFromParams(new URLSearchParams('runs=few%2Bpseudo,no-refiner')).runs).toEqual(['few+pseudo', 'no-refiner']);
    expect(configFromParams(new URLSearchParams('runs=few+pseudo')).runs).toEqual(['few+pseudo']);
  });

  it('maps an ablation to few+pseudo with that ablation and the page scale', () => {
    const config = experimentConfig({ ...PRESETS.tiny.config, theta: 2 }, 'no-penalty');
    expect(config).toMatchObject({ setting: 'few+pseudo', ablation: 'no-penalty', world: { train: 40, test: 10 }, pseudo: { theta: 2 } });
    expect(experimentConfig(PRESETS.tiny.config, 'few')).toMatchObject({ setting: 'few', ablation: 'none' });
  });

  it('names a bad link setting', () => {
    expect(() => configFromParams(new URLSearchParams('runs=everything'))).toThrow(/link setting: runs must be among/);
    expect(() => configFromParams(new URLSearchParams('train=lots'))).toThrow(/link setting train must be a number/);
    expect(() => configFromParams(new URLSearchParams('theta=9'))).toThrow(/repetition penalty θ must be in 1…5/);
    expect(() => configFromParams(new URLSearchParams('runs='))).toThrow(/choose at least one run/);
  });
});
