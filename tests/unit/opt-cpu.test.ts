import { describe, expect, it } from 'vitest';
import { CpuOptRuntime } from '../../src/lib/opt/cpu/cpuRuntime.ts';
import { nodeTf } from '../../src/lib/opt/cpu/nodeTf.ts';
import { sequenceLogits, windowNll } from '../../src/lib/opt/forward.ts';
import { goldenError, loadGolden } from '../helpers/optFixtures.ts';

describe('the fast CPU path (tfjs-wasm) against the golden fixture', () => {
  it('matches the logits and NLL of every case', async () => {
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
});
