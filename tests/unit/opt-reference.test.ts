import { describe, expect, it } from 'vitest';
import { nllFromLogits, referenceLogits } from '../../src/lib/opt/reference.ts';
import { goldenError, loadGolden } from '../helpers/optFixtures.ts';

describe('the naive OPT reference against the golden fixture', () => {
  it('matches the logits and NLL of every case (lengths 1, 7, 40)', async () => {
    const { config, weights, cases } = await loadGolden();
    for (const c of cases) {
      const ids = Int32Array.from(c.input_ids);
      const logits = referenceLogits(config, weights, ids);
      expect(goldenError(logits, c.logits.flat())).toBeLessThanOrEqual(1e-4);
      expect(goldenError(nllFromLogits(logits, ids, config.vocabSize), c.nll)).toBeLessThanOrEqual(1e-4);
    }
  });
});
