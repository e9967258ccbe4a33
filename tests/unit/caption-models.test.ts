import { beforeAll, describe, expect, it } from 'vitest';
import { trainCaptioner, CAPTIONER_DEFAULTS } from '../../src/lib/caption/captioner.ts';
import { trainClassifier, CLASSIFIER_DEFAULTS } from '../../src/lib/caption/classifier.ts';
import { CAPTION_DEFAULTS, runCaptionExperiment } from '../../src/lib/caption/experiment.ts';
import { keywordsOf } from '../../src/lib/caption/grammar.ts';
import type { Tf } from '../../src/lib/caption/tfParts.ts';
import { Vocabulary } from '../../src/lib/caption/vocab.ts';
import { nodeTf } from '../../src/lib/opt/cpu/nodeTf.ts';
import { Rng } from '../../src/lib/util/random.ts';

let tf: Tf;
beforeAll(async () => {
  tf = (await nodeTf()) as unknown as Tf;
});

describe('captioning models on tfjs-wasm', () => {
  it('the edit classifier beats always-copy on held-out synthetic corruptions', async () => {
    const captions = ['a red ball moves left', 'the big red ball slides to the left', 'a small blue box grows', 'the blue box gets bigger', 'in this clip a green disc turns red', 'a yellow triangle leaves the screen'];
    const vocab = new Vocabulary(captions);
    const isKeyword = (id: number) => id > 3 && keywordsOf(vocab.words[id]).length > 0;
    const classifier = await trainClassifier(tf, captions.map((c) => vocab.encode(c)), isKeyword, vocab.size, { ...CLASSIFIER_DEFAULTS, steps: 120 });
    // about two thirds of synthetic positions are "copy"; a model that learned nothing scores that
    expect(classifier.accuracy).toBeGreaterThan(0.8);
    const probs = classifier.predict(vocab.encode('red ball moves left'));
    expect(probs).toHaveLength(5);
    for (const row of probs) expect(row.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 5);
    // a keyword-only sentence: "insert" is likely before its first word (the article is missing)
    expect(probs[0][2]).toBeGreaterThan(probs[0][0]);
  }, 60_000);

  it('the keyword-refined captioner learns two clips apart, greedy and beam, with gates in (0, 1)', async () => {
    const rng = new Rng(3);
    const frames = 4;
    const width = 8;
    const frameTokens = new Map(['one', 'two'].map((id, i) => [id, Float32Array.from({ length: frames * width }, (_, j) => (j % width === i ? 1 : 0) + 0.01 * rng.normal())]));
    const captions = { one: 'a red ball moves left', two: 'a blue box grows' };
    const vocab = new Vocabulary(Object.values(captions));
    const keywordIds = [...new Set(Object.values(captions).flatMap((c) => keywordsOf(c)))].map((w) => vocab.id(w));
    const keywordTargets = new Map(Object.entries(captions).map(([id, c]) => [id, new Set(keywordsOf(c).map((w) => vocab.id(w)))]));
    const data = { frames, tokenWidth: width, frameTokens, pairs: Object.entries(captions).map(([clipId, caption]) => ({ clipId, caption })), vocab, keywordIds, keywordTargets };
    for (const beam of [1, 3]) {
      const model = await trainCaptioner(tf, data, { ...CAPTIONER_DEFAULTS, width: 32, steps: 120, batch: 8, learningRate: 5e-3, beam, topKeywords: 3 });
      const out = await model.generate(['one', 'two']);
      expect(out.get('one')!.caption).toBe(captions.one);
      expect(out.get('two')!.caption).toBe(captions.two);
      const kws = out.get('two')!.keywords;
      expect(kws).toHaveLength(3);
      expect(kws.map((k) => k.word)).toContain('blue');
      for (const k of kws) expect(k.gate > 0 && k.gate < 1).toBe(true);
      model.dispose();
    }
  }, 60_000);

  it('runs the whole pipeline on a tiny world (few+pseudo) and scores it', async () => {
    const c = CAPTION_DEFAULTS;
    const phases = new Set<string>();
    const result = await runCaptionExperiment(tf, {
      ...c,
      world: { ...c.world, train: 12, test: 4, frames: 4, size: 16, grid: 4 },
      encoder: { ...c.encoder, steps: 3 },
      classifier: { ...c.classifier, steps: 3 },
      captioner: { ...c.captioner, steps: 3, width: 32 },
      pseudo: { ...c.pseudo, steps: 10, burnIn: 2 },
    }, { onProgress: (p) => phases.add(p.phase) });
    expect([...phases]).toEqual(['video–text model', 'edit classifier', 'pseudo-labelling', 'captioner', 'evaluate']);
    for (const v of Object.values(result.metrics)) expect(v >= 0 && Number.isFinite(v)).toBe(true);
    expect(result.stats.trainPairs).toBeGreaterThan(12); // the one caption per clip plus pseudo-labels
    expect(result.chains.length).toBeGreaterThan(0);
    expect(result.examples).toHaveLength(4);
  }, 60_000);
});
