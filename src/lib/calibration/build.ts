import { neverCancelled, type CancelFlag } from '../cancel.ts';
import type { OptRuntime } from '../opt/runtime.ts';
import type { ProgressCallback } from '../progress.ts';
import { Rng } from '../util/random.ts';
import { sampleCacheKey, type SampleCache } from './cache.ts';
import { modelFingerprint } from './fingerprint.ts';
import { splitByPerplexity } from './perplexityFilter.ts';
import { randomTokenWindows } from './randomTokens.ts';
import { streamSeed } from './seeds.ts';
import { generateSamples, type GeneratedSample } from './selfGenerate.ts';
import { sourceLabel, validateRequest, type CalibrationRequest, type SelfGenSettings, type TextSource } from './settings.ts';
import { poolTexts, sourceText, type CalibrationTextReader, type CalibrationTokenizer } from './texts.ts';
import { cutWindows } from './windows.ts';

/**
 * Builds one calibration set: the windows a pruning run calibrates on (`prune(runner, set.windows, …)`),
 * plus what a page or a results file shows about them. A study runner is a loop over requests.
 */
export interface CalibrationContext {
  /** The model being pruned (self-generation writes and scores with it). */
  runtime: OptRuntime;
  tokenizer: CalibrationTokenizer;
  texts: CalibrationTextReader;
  /** Generated samples by model, settings and seed (none: always generate). */
  cache?: SampleCache;
  /** Token streams of shipped texts by source kind, for this tokenizer, kept between builds (tokenizing WikiText takes seconds). */
  streams?: Map<string, Int32Array>;
  progress?: ProgressCallback;
  cancel?: CancelFlag;
}

export interface SelfGenReport {
  settings: SelfGenSettings;
  samples: GeneratedSample[];
  /** Indices into `samples`, ascending. */
  kept: number[];
  dropped: number[];
  cutoffPpl: number | null;
  droppedShare: number;
  /** The samples came from the cache, not from the model just now. */
  fromCache: boolean;
  /** Key of the samples in the cache (model, backend, pool, settings, seed). */
  cacheKey: string;
  modelFingerprint: string;
}

export interface CalibrationSet {
  request: CalibrationRequest;
  label: string;
  /** nsamples windows of seqlen token ids. */
  windows: Int32Array[];
  /** Where each window starts in the token stream it was cut from (null for random ids). */
  starts: number[] | null;
  /** Length of that stream. */
  streamTokens: number | null;
  backend: string;
  selfgen?: SelfGenReport;
  seconds: number;
}

export async function buildCalibrationSet(request: CalibrationRequest, context: CalibrationContext): Promise<CalibrationSet> {
  const started = performance.now();
  const { runtime, tokenizer } = context;
  validateRequest(request, runtime.config.maxPositions);
  const progress = context.progress ?? (() => {});
  const cancel = context.cancel ?? neverCancelled;
  const { source, nsamples, seqlen, seed } = request;
  const windowRng = new Rng(streamSeed(seed, 'windows'));
  const base = { request, label: sourceLabel(source), backend: runtime.backend };
  const done = (rest: Pick<CalibrationSet, 'windows' | 'starts' | 'streamTokens' | 'selfgen'>): CalibrationSet => {
    progress({ phase: 'done', done: 1, total: 1 });
    return { ...base, ...rest, seconds: (performance.now() - started) / 1000 };
  };

  if (source.kind === 'random') {
    const vocab = { vocabSize: Math.min(tokenizer.vocabSize, runtime.config.vocabSize), specialIds: tokenizer.specialIds() };
    return done({ windows: randomTokenWindows({ nsamples, seqlen }, vocab, windowRng), starts: null, streamTokens: null });
  }

  if (source.kind !== 'selfgen') {
    const stream = await tokenStream(source, context);
    const { windows, starts } = cutWindows(stream, { nsamples, seqlen }, windowRng, sourceLabel(source));
    return done({ windows, starts, streamTokens: stream.length });
  }

  progress({ phase: 'preparing prompts', done: 0, total: 1 });
  const fingerprint = await modelFingerprint(runtime);
  const cacheKey = await sampleCacheKey({ model: fingerprint, backend: runtime.backend, pool: source.pool, settings: source.settings, seed });
  let samples = await context.cache?.get(cacheKey);
  const fromCache = samples !== undefined;
  if (!samples) {
    const pool = await poolTexts(source.pool, context.texts);
    cancel.throwIfCancelled();
    samples = await generateSamples({ runtime, tokenizer, pool, settings: source.settings, seed, progress, cancel });
    await context.cache?.put(cacheKey, samples);
  }
  const split = splitByPerplexity(samples.map((s) => s.ppl), source.settings.dropShare);
  const stream = joinSamples(samples, split.kept, tokenizer.bosId, runtime.config.eosTokenId);
  const { windows, starts } = cutWindows(stream, { nsamples, seqlen }, windowRng, 'the kept self-generated text');
  return done({
    windows,
    starts,
    streamTokens: stream.length,
    selfgen: { settings: source.settings, samples, ...split, fromCache, cacheKey, modelFingerprint: fingerprint },
  });
}

/** `</s>` + prompt + continuation of each kept sample, in order: the sequences as the model read and wrote them. */
export function joinSamples(samples: readonly GeneratedSample[], kept: readonly number[], bosId: number, eosId = bosId): Int32Array {
  const parts: number[] = [];
  for (const index of kept) {
    const { promptIds, ids } = samples[index];
    const continuation = ids[ids.length - 1] === eosId ? ids.slice(0, -1) : ids;
    parts.push(bosId, ...promptIds, ...continuation);
  }
  return Int32Array.from(parts);
}

async function tokenStream(source: TextSource, context: CalibrationContext): Promise<Int32Array> {
  const key = source.kind === 'text' ? undefined : source.kind;
  const cached = key && context.streams?.get(key);
  if (cached) return cached;
  context.progress?.({ phase: 'tokenizing', done: 0, total: 1, message: sourceLabel(source) });
  const stream = context.tokenizer.encode(await sourceText(source, context.texts), { addBos: false });
  if (key) context.streams?.set(key, stream);
  return stream;
}
