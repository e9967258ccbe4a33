import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCliModel, REPO_ROOT, WIKITEXT_TEST_FILE } from '../../src/cli/commands/optModel.ts';
import { buildCalibrationSet, joinSamples } from '../../src/lib/calibration/build.ts';
import { sampleCacheKey } from '../../src/lib/calibration/cache.ts';
import { parseCalibrationWindows } from '../../src/lib/calibration/file.ts';
import { FileSampleCache } from '../../src/lib/calibration/nodeCache.ts';
import { ngramHashes, windowsSharingNgrams } from '../../src/lib/calibration/overlap.ts';
import { fileTextReader } from '../../src/lib/calibration/nodeTextReader.ts';
import { dropCount, splitByPerplexity } from '../../src/lib/calibration/perplexityFilter.ts';
import { randomTokenWindows } from '../../src/lib/calibration/randomTokens.ts';
import { streamSeed } from '../../src/lib/calibration/seeds.ts';
import { choosePrompts, type GeneratedSample } from '../../src/lib/calibration/selfGenerate.ts';
import { SELFGEN_DEFAULTS, validateRequest, type CalibrationRequest, type CalibrationSource } from '../../src/lib/calibration/settings.ts';
import { c4Documents, checkCalibrationFile, wikitextParagraphs, type CalibrationTokenizer } from '../../src/lib/calibration/texts.ts';
import { cutWindows } from '../../src/lib/calibration/windows.ts';
import { joinDatasetRows } from '../../src/lib/opt/data/wikitext.ts';
import { Rng } from '../../src/lib/util/random.ts';

/** The calibration-set pieces that need no model: windows, the perplexity filter, random ids, settings, files. */
describe('random windows of a token stream', () => {
  const stream = Int32Array.from({ length: 1000 }, (_, i) => i);

  it('lie wholly within the text, each the stream’s tokens from its start', () => {
    const { windows, starts } = cutWindows(stream, { nsamples: 200, seqlen: 37 }, new Rng(1));
    expect(windows).toHaveLength(200);
    windows.forEach((w, i) => {
      expect(starts[i]).toBeGreaterThanOrEqual(0);
      expect(starts[i] + 37).toBeLessThanOrEqual(stream.length);
      expect([...w]).toEqual([...stream.subarray(starts[i], starts[i] + 37)]);
    });
    // Both ends are reachable: a stream one token longer than a window has exactly two starts.
    const starts2 = new Set(cutWindows(stream.subarray(0, 38), { nsamples: 64, seqlen: 37 }, new Rng(2)).starts);
    expect([...starts2].sort()).toEqual([0, 1]);
  });

  it('are reproducible by seed and differ between seeds', () => {
    const a = cutWindows(stream, { nsamples: 8, seqlen: 16 }, new Rng(streamSeed(0, 'windows')));
    const b = cutWindows(stream, { nsamples: 8, seqlen: 16 }, new Rng(streamSeed(0, 'windows')));
    const c = cutWindows(stream, { nsamples: 8, seqlen: 16 }, new Rng(streamSeed(1, 'windows')));
    expect(a.starts).toEqual(b.starts);
    expect(a.windows).toEqual(b.windows);
    expect(a.starts).not.toEqual(c.starts);
  });

  it('refuse a text shorter than one window', () => {
    expect(() => cutWindows(stream.subarray(0, 10), { nsamples: 1, seqlen: 11 }, new Rng(0), 'the file')).toThrow(/the file has 10 tokens, fewer than one window of 11/);
    expect(cutWindows(stream.subarray(0, 10), { nsamples: 3, seqlen: 10 }, new Rng(0)).starts).toEqual([0, 0, 0]);
  });
});

describe('the perplexity filter', () => {
  it('drops exactly round(share · n) samples, the highest perplexities, for every n and share', () => {
    const rng = new Rng(5);
    for (let n = 1; n <= 40; n++) {
      const ppls = Array.from({ length: n }, () => 1 + rng.int(60)); // ties on purpose
      for (const share of [0, 0.1, 0.2, 0.25, 0.5, 0.9]) {
        const { kept, dropped, cutoffPpl, droppedShare } = splitByPerplexity(ppls, share);
        expect(dropped.length).toBe(Math.min(n - 1, Math.round(share * n)));
        expect(dropped.length).toBe(dropCount(n, share));
        expect(droppedShare).toBe(dropped.length / n);
        expect([...kept, ...dropped].sort((a, b) => a - b)).toEqual(Array.from(ppls.keys()));
        const highestKept = Math.max(...kept.map((i) => ppls[i]));
        for (const i of dropped) expect(ppls[i]).toBeGreaterThanOrEqual(highestKept);
        expect(cutoffPpl).toBe(dropped.length > 0 ? highestKept : null);
      }
    }
  });

  it('with the default 20 % drops 2 of 10 and 13 of 64; a non-finite perplexity goes first', () => {
    expect(splitByPerplexity([5, 9, 3, 20, 7, 8, 1, 2, 6, 4], 0.2).dropped).toEqual([1, 3]);
    expect(splitByPerplexity(Array.from({ length: 64 }, (_, i) => i), SELFGEN_DEFAULTS.dropShare).dropped).toHaveLength(13);
    expect(splitByPerplexity([3, NaN, 2, Infinity, 1], 0.4)).toMatchObject({ dropped: [1, 3], cutoffPpl: 3 });
  });

  it('refuses a share outside [0, 1) and an empty list', () => {
    expect(() => splitByPerplexity([1, 2], 1)).toThrow(/\[0, 1\)/);
    expect(() => splitByPerplexity([1, 2], -0.1)).toThrow(/\[0, 1\)/);
    expect(() => splitByPerplexity([], 0.2)).toThrow(/no samples/);
  });
});

describe('random token ids', () => {
  it('are uniform over the vocabulary without the special ids, and reproducible', () => {
    const vocab = { vocabSize: 50, specialIds: [0, 1, 2, 3] };
    const windows = randomTokenWindows({ nsamples: 40, seqlen: 230 }, vocab, new Rng(3));
    const counts = new Array<number>(50).fill(0);
    for (const w of windows) for (const id of w) counts[id]++;
    expect(counts.slice(0, 4)).toEqual([0, 0, 0, 0]);
    // 9200 draws over 46 ids: 200 each expected, SD ≈ 14.
    for (const c of counts.slice(4)) expect(Math.abs(c - 200)).toBeLessThan(70);
    expect(randomTokenWindows({ nsamples: 40, seqlen: 230 }, vocab, new Rng(3))).toEqual(windows);
  });
});

describe('settings', () => {
  const good: CalibrationRequest = { source: { kind: 'selfgen', pool: { kind: 'wikitext2' }, settings: SELFGEN_DEFAULTS }, nsamples: 32, seqlen: 256, seed: 0 };
  const withSettings = (patch: Partial<typeof SELFGEN_DEFAULTS>): CalibrationRequest => ({ ...good, source: { kind: 'selfgen', pool: { kind: 'wikitext2' }, settings: { ...SELFGEN_DEFAULTS, ...patch } } });

  it('accept the defaults and name the field that is out of range', () => {
    expect(() => validateRequest(good, 256)).not.toThrow();
    const cases: [CalibrationRequest, RegExp][] = [
      [{ ...good, nsamples: 0 }, /nsamples/],
      [{ ...good, nsamples: 2.5 }, /nsamples/],
      [{ ...good, seqlen: 257 }, /seqlen.*256/],
      [{ ...good, seqlen: 1 }, /seqlen/],
      [{ ...good, seed: -1 }, /seed/],
      [withSettings({ nPrompts: 0 }), /prompts/],
      [withSettings({ promptTokens: 255 }), /prompt tokens/],
      [withSettings({ genLength: 0 }), /generation length/],
      [withSettings({ dropShare: 1 }), /dropped share/],
      [withSettings({ batchSize: 0 }), /generation batch/],
      [withSettings({ sampling: { ...SELFGEN_DEFAULTS.sampling, topP: 0 } }), /top-p/],
      [withSettings({ sampling: { ...SELFGEN_DEFAULTS.sampling, topK: -1 } }), /top-k/],
      [withSettings({ sampling: { ...SELFGEN_DEFAULTS.sampling, temperature: -1 } }), /temperature/],
      [withSettings({ sampling: { ...SELFGEN_DEFAULTS.sampling, repetitionPenalty: 0.9 } }), /repetition penalty/],
      [{ ...good, source: { kind: 'text', name: 'empty.txt', text: ' \n' } }, /empty\.txt.*empty/],
    ];
    for (const [request, message] of cases) expect(() => validateRequest(request, 256)).toThrow(message);
    expect(() => validateRequest({ ...good, nsamples: 0 }, 256)).toThrow(expect.objectContaining({ name: 'InputError' }));
  });
});

/** A character-level stand-in for the tokenizer: one id per character code, `</s>` = 2. */
const charTokenizer: CalibrationTokenizer = {
  bosId: 2,
  vocabSize: 256,
  encode: (text, options) => Int32Array.from([...(options?.addBos === false ? [] : [2]), ...[...text].map((c) => c.charCodeAt(0) % 256)]),
  decode: (ids) => String.fromCharCode(...Array.from(ids)),
  specialIds: () => [0, 1, 2, 3],
};

describe('self-generation’s prompts and joined text', () => {
  const pool = Array.from({ length: 30 }, (_, i) => (i % 7 === 0 ? 'x' : ` paragraph ${i}`));

  it('takes the first tokens of distinct pool texts chosen by seed, skipping texts too short', () => {
    const prompts = choosePrompts(pool, charTokenizer, { nPrompts: 20, promptTokens: 2 }, 4);
    expect(new Set(prompts.map((p) => p.poolIndex)).size).toBe(20);
    for (const p of prompts) {
      expect(p.poolIndex % 7).not.toBe(0);
      expect(p.promptIds).toEqual([...charTokenizer.encode(pool[p.poolIndex], { addBos: false }).subarray(0, 2)]);
    }
    expect(choosePrompts(pool, charTokenizer, { nPrompts: 20, promptTokens: 2 }, 4)).toEqual(prompts);
    expect(choosePrompts(pool, charTokenizer, { nPrompts: 20, promptTokens: 2 }, 5)).not.toEqual(prompts);
    expect(() => choosePrompts(pool, charTokenizer, { nPrompts: 26, promptTokens: 2 }, 4)).toThrow(/25 texts of at least 2 tokens; 26 prompts/);
  });

  it('joins kept samples as </s> + prompt + continuation, without a closing </s>', () => {
    const sample = (promptIds: number[], ids: number[]): GeneratedSample => ({ poolIndex: 0, promptIds, ids, stoppedBy: 'max-new-tokens', meanNll: 1, ppl: Math.E });
    const samples = [sample([10, 11], [12, 13]), sample([20, 21], [22, 2]), sample([30, 31], [32])];
    expect([...joinSamples(samples, [1, 2], 2)]).toEqual([2, 20, 21, 22, 2, 30, 31, 32]);
  });
});

describe('files and keys', () => {
  it('reads shipped calibration text only from the validation split and the C4 sample', () => {
    expect(checkCalibrationFile('wikitext-2/valid.txt')).toBe('wikitext-2/valid.txt');
    expect(() => checkCalibrationFile('wikitext-2/test.txt')).toThrow(/may only come from/);
  });

  it('parses C4 lines and WikiText paragraphs, naming a bad line', () => {
    expect(c4Documents('{"text":"a"}\n\n{"text":"b"}\n')).toEqual(['a', 'b']);
    expect(() => c4Documents('{"text":"a"}\n{"txt":"b"}', 'c4.jsonl')).toThrow(/c4\.jsonl, line 2: no "text"/);
    expect(() => c4Documents('{"text":"a"}\nnope', 'c4.jsonl')).toThrow(/line 2: not JSON/);
    expect(wikitextParagraphs(' \n = Title = \n Text one . \n\n = = Part = = \n Text two . \n')).toEqual([' Text one . ', ' Text two . ']);
  });

  it('key the sample cache by everything that changes the samples, and nothing else', async () => {
    const parts = { model: 'm', backend: 'cpu', pool: { kind: 'wikitext2' } as const, settings: SELFGEN_DEFAULTS, seed: 0 };
    const key = await sampleCacheKey(parts);
    const changed = [
      { ...parts, model: 'n' },
      { ...parts, backend: 'webgpu' },
      { ...parts, seed: 1 },
      { ...parts, pool: { kind: 'c4' } as const },
      { ...parts, settings: { ...SELFGEN_DEFAULTS, nPrompts: 65 } },
      { ...parts, settings: { ...SELFGEN_DEFAULTS, genLength: 255 } },
      { ...parts, settings: { ...SELFGEN_DEFAULTS, sampling: { ...SELFGEN_DEFAULTS.sampling, topP: 0.9 } } },
    ];
    for (const p of changed) expect(await sampleCacheKey(p)).not.toBe(key);
    expect(await sampleCacheKey({ ...parts, settings: { ...SELFGEN_DEFAULTS, batchSize: 3, dropShare: 0.5 } })).toBe(key);
    const textA = await sampleCacheKey({ ...parts, pool: { kind: 'text', name: 'a.txt', text: 'one' } });
    expect(await sampleCacheKey({ ...parts, pool: { kind: 'text', name: 'b.txt', text: 'one' } })).toBe(textA);
    expect(await sampleCacheKey({ ...parts, pool: { kind: 'text', name: 'a.txt', text: 'two' } })).not.toBe(textA);
  });

  it('keeps samples in a file cache across instances', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'calib-cache-'));
    try {
      const samples: GeneratedSample[] = [{ poolIndex: 3, promptIds: [5, 6], ids: [7, 2], stoppedBy: 'eos', meanNll: 2, ppl: Math.exp(2) }];
      await new FileSampleCache(folder).put('k1', samples);
      expect(await new FileSampleCache(folder).get('k1')).toEqual(samples);
      expect(await new FileSampleCache(folder).get('k2')).toBeUndefined();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('reads the windows of a calibration file and names what is wrong', () => {
    const options = { fileName: 'c.json', vocabSize: 10 };
    expect(parseCalibrationWindows({ windows: [[1, 2, 3], [4, 5, 6]], source: 'x' }, options)).toEqual([Int32Array.of(1, 2, 3), Int32Array.of(4, 5, 6)]);
    expect(() => parseCalibrationWindows({}, options)).toThrow(/c\.json: "windows" must be/);
    expect(() => parseCalibrationWindows({ windows: [[1, 2], [1, 2, 3]] }, options)).toThrow(/"windows\[1\]" is not an array/);
    expect(() => parseCalibrationWindows({ windows: [[1, 10]] }, options)).toThrow(/"windows\[0\]\[1\]" is 10, not a token id/);
  });
});

describe('the WikiText-2 test split never reaches a calibration set', () => {
  // 24-token runs: long enough that two different texts share one only by copying (checked on the
  // validation split below), short enough that any copied sentence shows up.
  const NGRAM = 24;

  it('no window of any source shares a 24-token run with the test split; windows cut from the test split do', async () => {
    const { runtime, tokenizer } = await openCliModel('embedded');
    const datasets = path.join(REPO_ROOT, 'public', 'datasets');
    const testIds = tokenizer.encode(joinDatasetRows(readFileSync(WIKITEXT_TEST_FILE, 'utf8')), { addBos: false });
    const testNgrams = ngramHashes(testIds, NGRAM);
    const tiny = { ...SELFGEN_DEFAULTS, nPrompts: 6, genLength: 40, batchSize: 6 };
    const sources: CalibrationSource[] = [
      { kind: 'wikitext2' },
      { kind: 'c4' },
      { kind: 'random' },
      { kind: 'selfgen', pool: { kind: 'wikitext2' }, settings: tiny },
    ];
    const context = { runtime, tokenizer, texts: fileTextReader(datasets), streams: new Map<string, Int32Array>() };
    for (const source of sources) {
      const set = await buildCalibrationSet({ source, nsamples: source.kind === 'selfgen' ? 8 : 256, seqlen: 64, seed: 3 }, context);
      expect(windowsSharingNgrams(set.windows, testNgrams, NGRAM), set.label).toEqual([]);
    }
    // The whole validation stream, not only sampled windows, is free of test text.
    expect(windowsSharingNgrams([context.streams.get('wikitext2')!], testNgrams, NGRAM)).toEqual([]);
    // The check itself can fail: windows of the test split are caught, every one.
    const leaked = cutWindows(testIds, { nsamples: 20, seqlen: 64 }, new Rng(0)).windows;
    expect(windowsSharingNgrams(leaked, testNgrams, NGRAM)).toEqual(Array.from(leaked.keys()));
    // And the file reader refuses the test split by name.
    await expect(async () => fileTextReader(datasets).read('wikitext-2/test.txt' as never)).rejects.toThrow(/may only come from/);
    runtime.dispose();
  }, 120_000);
});
