import { InputError } from '../errors.ts';
import type { SamplingOptions } from '../opt/sampling.ts';

/**
 * What a calibration set is made of, and its settings. A set is `nsamples` windows of `seqlen` token
 * ids, drawn with `seed` from one source:
 *   wikitext2  WikiText-2 *validation* split (never the test split, which perplexity is measured on)
 *   c4         the shipped C4 sample (web text)
 *   text       any text the user gives (a dropped file)
 *   random     uniform random token ids, special ids excluded: the floor any real text should beat
 *   selfgen    text the model writes itself from 2-token prompts, its highest-perplexity share dropped
 *              (Ji et al. 2024, "Beware of Calibration Data for Pruning Large Language Models", §5)
 * A study runner varies `source` and `seed` over a grid and calls buildCalibrationSet for each cell;
 * everything that changes the windows is in this request, so it doubles as the cache key's content.
 */
export type TextSource = { kind: 'wikitext2' } | { kind: 'c4' } | { kind: 'text'; name: string; text: string };

/** Self-generation settings; the defaults are those of Ji et al. (2024). */
export interface SelfGenSettings {
  /** Prompts drawn from the pool, one sample each. */
  nPrompts: number;
  /** Tokens taken from the start of each pool text (after `</s>`) as its prompt. */
  promptTokens: number;
  /** New tokens per sample at most (fewer when the model's positions run out or it writes `</s>`). */
  genLength: number;
  sampling: SamplingOptions;
  /**
   * Let the model write `<unk>` (default false: its logit is masked). A model trained on tokenised
   * WikiText-2 writes it often, and a calibration text full of `<unk>` is not the text it will see.
   */
  allowUnk?: boolean;
  /** Share of samples dropped, highest perplexity first, in [0, 1). */
  dropShare: number;
  /** Sequences decoded together: speed and memory only, the samples do not depend on it. */
  batchSize: number;
}

export type CalibrationSource =
  | TextSource
  | { kind: 'random' }
  | { kind: 'selfgen'; pool: TextSource; settings: SelfGenSettings };

export type CalibrationSourceKind = CalibrationSource['kind'];

export interface CalibrationRequest {
  source: CalibrationSource;
  nsamples: number;
  seqlen: number;
  seed: number;
}

export const SELFGEN_DEFAULTS: SelfGenSettings = {
  nPrompts: 64,
  promptTokens: 2,
  genLength: 256,
  sampling: { temperature: 0.6, topK: 50, topP: 0.95, repetitionPenalty: 1.2 },
  allowUnk: false,
  dropShare: 0.2,
  batchSize: 16,
};

export const CALIBRATION_DEFAULTS = { nsamples: 32, seqlen: 256, seed: 0 } as const;

/** Upper bounds that keep a browser tab alive; far above what the papers use. */
export const MAX_WINDOWS = 4096;
const MAX_PROMPTS = 100_000;
const MAX_GEN_LENGTH = 65_536;
const MAX_BATCH = 1024;

function integerIn(name: string, value: number, min: number, max: number, hint?: string): void {
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    throw new InputError(`${name} must be an integer from ${min} to ${max}, got ${value}`, hint);
  }
}

/** Throws InputError naming the first setting that is out of range for a model with `maxPositions`. */
export function validateRequest(request: CalibrationRequest, maxPositions: number): void {
  integerIn('nsamples (windows)', request.nsamples, 1, MAX_WINDOWS);
  integerIn('seqlen (window length)', request.seqlen, 2, maxPositions, `the model reads at most ${maxPositions} positions`);
  integerIn('seed', request.seed, 0, 2 ** 32 - 1);
  const source = request.source;
  if (source.kind === 'text') validateText(source);
  if (source.kind === 'selfgen') {
    if (source.pool.kind === 'text') validateText(source.pool);
    validateSelfGen(source.settings, maxPositions);
  }
}

function validateText(source: { name: string; text: string }): void {
  if (source.text.trim().length === 0) throw new InputError(`The text file "${source.name}" is empty`, 'expected plain UTF-8 text');
}

export function validateSelfGen(settings: SelfGenSettings, maxPositions: number): void {
  integerIn('prompts', settings.nPrompts, 1, MAX_PROMPTS);
  integerIn('prompt tokens', settings.promptTokens, 1, maxPositions - 2, `the prompt and its start token must leave room to generate in ${maxPositions} positions`);
  integerIn('generation length', settings.genLength, 1, MAX_GEN_LENGTH);
  integerIn('generation batch', settings.batchSize, 1, MAX_BATCH);
  if (!(settings.dropShare >= 0 && settings.dropShare < 1)) throw new InputError(`the dropped share must be in [0, 1), got ${settings.dropShare}`);
  const { temperature, topK, topP, repetitionPenalty } = settings.sampling;
  if (!(temperature >= 0 && Number.isFinite(temperature))) throw new InputError(`temperature must be ≥ 0, got ${temperature}`, '0 is greedy decoding');
  integerIn('top-k', topK, 0, 1_000_000, '0 keeps every token');
  if (!(topP > 0 && topP <= 1)) throw new InputError(`top-p must be in (0, 1], got ${topP}`);
  if (!(repetitionPenalty >= 1 && Number.isFinite(repetitionPenalty))) throw new InputError(`repetition penalty must be ≥ 1, got ${repetitionPenalty}`, '1 is none');
}

/** A short name for tables and file metadata. */
export function sourceLabel(source: CalibrationSource): string {
  switch (source.kind) {
    case 'wikitext2':
      return 'WikiText-2 valid';
    case 'c4':
      return 'C4 sample';
    case 'text':
      return `file ${source.name}`;
    case 'random':
      return 'random token ids';
    case 'selfgen':
      return `self-generated (prompts from ${sourceLabel(source.pool)})`;
  }
}
