import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openCliModel, WIKITEXT_TEST_FILE } from '../../src/cli/commands/optModel.ts';
import { joinDatasetRows } from '../../src/lib/opt/data/wikitext.ts';
import { generate } from '../../src/lib/opt/generate.ts';
import { perplexity } from '../../src/lib/opt/perplexity.ts';
import { DEFAULT_SAMPLING } from '../../src/lib/opt/sampling.ts';

/** The shipped mini-OPT (public/datasets/models/mini-opt): it loads, its tokenizer round-trips, and it is trained. */
describe('the embedded mini-OPT', () => {
  it('loads with its tokenizer, round-trips WikiText-2, predicts far better than chance and generates', async () => {
    const { config, tokenizer, runtime } = await openCliModel('embedded');
    expect([config.numLayers, config.hiddenSize, config.vocabSize, config.maxPositions]).toEqual([4, 192, 4096, 256]);
    const text = joinDatasetRows(readFileSync(WIKITEXT_TEST_FILE, 'utf8')).slice(0, 20_000);
    const ids = tokenizer.encode(text);
    expect(ids[0]).toBe(2);
    expect(tokenizer.decode(ids)).toBe(text);
    // A uniform guess over 4096 tokens has perplexity 4096; the model card reports ~180 on the test split.
    const { ppl, windows } = await perplexity(runtime, ids, { seqLen: 256, maxWindows: 4, windowsPerBatch: 2 });
    expect(windows).toBe(4);
    expect(ppl).toBeLessThan(600);
    const out = await generate(runtime, tokenizer.encode('The game'), { ...DEFAULT_SAMPLING, maxNewTokens: 8, seed: 0 });
    expect(out.ids.length).toBeGreaterThan(0);
    runtime.dispose();
  });
});
