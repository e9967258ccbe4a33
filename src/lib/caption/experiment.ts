import { InputError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import { CAPTIONER_DEFAULTS, trainCaptioner, type CaptionerConfig, type Generated } from './captioner.ts';
import { CLASSIFIER_DEFAULTS, trainClassifier, type ClassifierConfig } from './classifier.ts';
import { WORLD_DEFAULTS, worldDataset, type CaptionDataset, type WorldDataOptions } from './dataset.ts';
import { ENCODER_DEFAULTS, dot, trainEncoder, type EncoderConfig } from './encoder.ts';
import { FUNCTION_WORDS, allCaptions } from './grammar.ts';
import { scoreCaptions, type CaptionScores } from './metrics.ts';
import { trainTrigramLm } from './ngramLm.ts';
import { PSEUDO_DEFAULTS, pseudoLabel, type ChainResult, type PseudoLabelConfig } from './pseudoLabel.ts';
import type { Tf } from './tfParts.ts';
import { Vocabulary } from './vocab.ts';
import type { ClipSpec } from './world.ts';

/**
 * One run of the few-supervised captioning pipeline in a chosen setting:
 *   full        every training caption (10 per clip in the world);
 *   few         one caption per training clip (the first);
 *   few+pseudo  one caption + the pseudo-labels the lexically constrained editor makes from it;
 * with the ablations of the issue: random edits instead of the classifier, no repetition penalty (θ = 1),
 * no keyword refiner. Every part trains on the supervision the setting allows, never on the other captions.
 */
export const SETTINGS = ['full', 'few', 'few+pseudo'] as const;
export type Setting = (typeof SETTINGS)[number];
export const ABLATIONS = ['none', 'random-edits', 'no-penalty', 'no-refiner'] as const;
export type Ablation = (typeof ABLATIONS)[number];

export interface CaptionConfig {
  setting: Setting;
  ablation: Ablation;
  seed: number;
  world: WorldDataOptions;
  encoder: EncoderConfig;
  classifier: ClassifierConfig;
  pseudo: PseudoLabelConfig;
  captioner: CaptionerConfig;
}

export const CAPTION_DEFAULTS: CaptionConfig = {
  setting: 'few+pseudo',
  ablation: 'none',
  seed: 0,
  world: WORLD_DEFAULTS,
  encoder: ENCODER_DEFAULTS,
  classifier: CLASSIFIER_DEFAULTS,
  pseudo: PSEUDO_DEFAULTS,
  captioner: CAPTIONER_DEFAULTS,
};

export interface ClipExample {
  id: string;
  spec?: ClipSpec;
  truth: string[];
  given?: string;
  pseudo?: string[];
  generated: Generated;
}

export interface CaptionResult {
  setting: Setting;
  ablation: Ablation;
  seed: number;
  metrics: CaptionScores;
  curves: { encoder: number[]; classifier: number[]; captioner: number[] };
  /** Test clips with their true and generated captions, keywords and gates. */
  examples: ClipExample[];
  /** Training clips with the one caption, its edit chain and the kept pseudo-labels. */
  chains: { id: string; spec?: ClipSpec; given: string; chain: ChainResult; kept: string[] }[];
  stats: { trainClips: number; testClips: number; trainPairs: number; vocabulary: number; classifierAccuracy?: number; pseudoRepeatRate?: number; candidatesPerClip?: number; pseudoInGrammar?: number };
  seconds: { total: number; data: number; encoder: number; pseudo: number; captioner: number; evaluate: number };
  frames: number;
  frameSize: number;
}

export interface CaptionHooks {
  onProgress?: (progress: Progress) => void;
  /** A data set to use instead of the procedural world (imported features + captions). */
  dataset?: CaptionDataset;
}

export function checkCaptionConfig(config: CaptionConfig): CaptionConfig {
  if (!SETTINGS.includes(config.setting)) throw new InputError(`setting must be one of ${SETTINGS.join(', ')}, got "${config.setting}"`);
  if (!ABLATIONS.includes(config.ablation)) throw new InputError(`ablation must be one of ${ABLATIONS.join(', ')}, got "${config.ablation}"`);
  const w = config.world;
  if (!(w.train >= 4 && w.train <= 5000)) throw new InputError(`training clips must be in 4…5000, got ${w.train}`);
  if (!(w.test >= 1 && w.test <= 2000)) throw new InputError(`test clips must be in 1…2000, got ${w.test}`);
  if (!(w.frames >= 2 && w.frames <= 64)) throw new InputError(`frames must be in 2…64, got ${w.frames}`);
  if (!(w.captionsPerClip >= 1 && w.captionsPerClip <= 20)) throw new InputError(`captions per clip must be in 1…20, got ${w.captionsPerClip}`);
  for (const [name, steps] of [['encoder', config.encoder.steps], ['captioner', config.captioner.steps], ['classifier', config.classifier.steps]] as const)
    if (!(Number.isInteger(steps) && steps >= 1 && steps <= 20000)) throw new InputError(`${name} steps must be an integer in 1…20000, got ${steps}`);
  if (!(config.pseudo.theta >= 1 && config.pseudo.theta <= 5)) throw new InputError(`repetition penalty θ must be in 1…5, got ${config.pseudo.theta}`);
  if (!(config.captioner.beam >= 1 && config.captioner.beam <= 8)) throw new InputError(`beam width must be in 1…8, got ${config.captioner.beam}`);
  return config;
}

/** English function words added to the world's for imported captions (keywords = the other words). */
const STOP_WORDS = ['an', 'at', 'by', 'for', 'with', 'are', 'was', 'his', 'her', 'their', 'its', 'he', 'she', 'they', 'some', 'there', 'someone', 'being', 'while', 'as', 'up', 'down', 'that', 'into', 'onto', 'be', 'has', 'have', 'man', 'woman', 'person', 'people'];

export async function runCaptionExperiment(tf: Tf, config: CaptionConfig, hooks: CaptionHooks = {}): Promise<CaptionResult> {
  checkCaptionConfig(config);
  const started = performance.now();
  const seconds = { total: 0, data: 0, encoder: 0, pseudo: 0, captioner: 0, evaluate: 0 };
  const progress = (phase: string, done: number, total: number, message?: string) => hooks.onProgress?.({ phase, done, total, message });
  const lap = (() => {
    let last = performance.now();
    return (key: keyof typeof seconds) => {
      const now = performance.now();
      seconds[key] = (now - last) / 1000;
      last = now;
    };
  })();
  const seed = config.seed;
  const data = hooks.dataset ?? worldDataset({ ...config.world, seed }, (done, total) => done % 20 === 0 && progress('world', done, total));
  lap('data');

  // the supervision the setting allows
  const available = new Map<string, string[]>();
  for (const id of data.splits.train) {
    const captions = data.clips.get(id)!.captions;
    available.set(id, config.setting === 'full' ? captions.slice() : captions.slice(0, 1));
  }
  const vocab = new Vocabulary([...available.values()].flat());
  const stop = new Set([...FUNCTION_WORDS, ...(hooks.dataset ? STOP_WORDS : [])]);
  const isKeyword = (id: number) => id > 3 && !stop.has(vocab.words[id]);

  const encoder = await trainEncoder(tf, data, available, vocab, { ...config.encoder, seed }, (step, loss) => {
    if (step % 10 === 0 || step === config.encoder.steps) progress('video–text model', step, config.encoder.steps, `InfoNCE ${loss.toFixed(3)}`);
  });
  lap('encoder');

  let chains: CaptionResult['chains'] = [];
  const stats: CaptionResult['stats'] = { trainClips: data.splits.train.length, testClips: data.splits.test.length, trainPairs: 0, vocabulary: vocab.size };
  let classifierLosses: number[] = [];
  if (config.setting === 'few+pseudo') {
    const sentences = [...available.values()].flat().map((s) => vocab.encode(s));
    const lm = trainTrigramLm(sentences, vocab.size);
    const randomEdits = config.ablation === 'random-edits';
    const classifier = randomEdits
      ? undefined
      : await trainClassifier(tf, sentences, isKeyword, vocab.size, { ...config.classifier, seed }, (step, loss) => {
          if (step % 10 === 0 || step === config.classifier.steps) progress('edit classifier', step, config.classifier.steps, `cross-entropy ${loss.toFixed(3)}`);
        });
    classifierLosses = classifier?.losses ?? [];
    stats.classifierAccuracy = classifier?.accuracy;
    const pseudoConfig: PseudoLabelConfig = { ...config.pseudo, seed, actionSource: randomEdits ? 'random' : 'classifier', theta: config.ablation === 'no-penalty' ? 1 : config.pseudo.theta };
    const clips = data.splits.train.map((id) => ({ id, caption: available.get(id)![0] }));
    const labels = pseudoLabel(
      clips,
      { lm, vocab, classifier, isKeyword },
      (clipId, sentence) => dot(encoder.videoEmbedding.get(clipId)!, encoder.embedText(sentence)),
      pseudoConfig,
      6,
      (done) => {
        if (done % 20 === 0 || done === clips.length) progress('pseudo-labelling', done, clips.length);
      },
    );
    for (const [id, kept] of labels.labels) available.get(id)!.push(...kept);
    chains = [...labels.chains].map(([id, chain]) => ({ id, spec: data.clips.get(id)!.spec, given: clips.find((c) => c.id === id)!.caption, chain, kept: labels.labels.get(id) ?? [] }));
    stats.pseudoRepeatRate = labels.repeatRate;
    stats.pseudoInGrammar = inGrammarShare(data, labels.labels);
    stats.candidatesPerClip = labels.candidatesPerClip;
  }
  lap('pseudo');

  // keyword vocabulary: keywords of the training captions (most frequent 200 for large imports)
  const keywordCounts = new Map<number, number>();
  const keywordTargets = new Map<string, Set<number>>();
  for (const [id, captions] of available) {
    const set = new Set<number>();
    for (const c of captions) for (const w of vocab.encode(c)) if (isKeyword(w)) set.add(w);
    keywordTargets.set(id, set);
    for (const w of set) keywordCounts.set(w, (keywordCounts.get(w) ?? 0) + 1);
  }
  const keywordIds = [...keywordCounts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 200).map(([w]) => w);
  const kept = new Set(keywordIds);
  for (const set of keywordTargets.values()) for (const w of set) if (!kept.has(w)) set.delete(w);
  const pairs = [...available].flatMap(([clipId, captions]) => captions.map((caption) => ({ clipId, caption })));
  stats.trainPairs = pairs.length;
  const captioner = await trainCaptioner(
    tf,
    { frames: data.frames, tokenWidth: encoder.width, frameTokens: encoder.frameTokens, pairs, vocab, keywordIds, keywordTargets },
    { ...config.captioner, seed, refiner: config.ablation !== 'no-refiner' && config.captioner.refiner && keywordIds.length > 0 },
    (step, loss) => {
      if (step % 10 === 0 || step === config.captioner.steps) progress('captioner', step, config.captioner.steps, `loss ${loss.toFixed(3)}`);
    },
  );
  lap('captioner');

  progress('evaluate', 0, 1);
  const generated = await captioner.generate(data.splits.test);
  captioner.dispose();
  const refs: Record<string, string[]> = {};
  const cands: Record<string, string> = {};
  for (const id of data.splits.test) {
    refs[id] = data.clips.get(id)!.captions;
    cands[id] = generated.get(id)!.caption;
  }
  const metrics = scoreCaptions(refs, cands);
  const examples: ClipExample[] = data.splits.test.slice(0, 8).map((id) => ({ id, spec: data.clips.get(id)!.spec, truth: refs[id], generated: generated.get(id)! }));
  progress('evaluate', 1, 1);
  lap('evaluate');
  seconds.total = (performance.now() - started) / 1000;
  return {
    setting: config.setting,
    ablation: config.ablation,
    seed,
    metrics,
    curves: { encoder: encoder.losses, classifier: classifierLosses, captioner: captioner.losses },
    examples,
    chains,
    stats,
    seconds,
    frames: data.frames,
    frameSize: hooks.dataset ? 0 : config.world.size,
  };
}

/**
 * World data only: the share of pseudo-labels that the grammar itself could have written for their clip
 * (a conservative truth check: a true sentence in other words counts as not in the grammar).
 */
function inGrammarShare(data: CaptionDataset, labels: Map<string, string[]>): number | undefined {
  let kept = 0;
  let inGrammar = 0;
  for (const [id, list] of labels) {
    const spec = data.clips.get(id)?.spec;
    if (!spec) return undefined;
    const grammar = new Set(allCaptions(spec));
    kept += list.length;
    inGrammar += list.filter((s) => grammar.has(s)).length;
  }
  return kept ? inGrammar / kept : undefined;
}
