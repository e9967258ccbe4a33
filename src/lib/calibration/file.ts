import { InputError } from '../errors.ts';
import type { CalibrationSet } from './build.ts';
import { MAX_WINDOWS } from './settings.ts';

/**
 * The calibration file `npm run cli -- calib` writes and `prune --calib-file` reads:
 * `{"windows": number[][], …metadata}`. Only `windows` is needed to prune; the rest says where the
 * windows came from, and for a self-generated set lists every sample with its perplexity, the cut-off
 * and the share dropped, so a results table can be traced back to its text.
 */
export const CALIBRATION_FILE_FORMAT = 'paperlab-calibration';

export interface CalibrationFileSample {
  poolIndex: number;
  prompt: string;
  text: string;
  promptIds: number[];
  ids: number[];
  stoppedBy: string;
  ppl: number;
  dropped: boolean;
}

export interface CalibrationFile {
  windows: number[][];
  format: typeof CALIBRATION_FILE_FORMAT;
  version: 1;
  source: string;
  request: { source: Record<string, unknown>; nsamples: number; seqlen: number; seed: number };
  model: { label: string; backend: string; fingerprint?: string };
  starts: number[] | null;
  streamTokens: number | null;
  selfgen?: {
    settings: Record<string, unknown>;
    cutoffPpl: number | null;
    droppedShare: number;
    keptSamples: number;
    droppedSamples: number;
    samples: CalibrationFileSample[];
  };
}

export function toCalibrationFile(set: CalibrationSet, model: { label: string; decode: (ids: ArrayLike<number>) => string }): CalibrationFile {
  const { source, nsamples, seqlen, seed } = set.request;
  // A dropped file's text is not repeated in the metadata: its name and size say which file it was.
  const describe = (s: typeof source): Record<string, unknown> =>
    s.kind === 'text' ? { kind: 'text', name: s.name, characters: s.text.length } : s.kind === 'selfgen' ? { kind: 'selfgen', pool: describe(s.pool) } : { kind: s.kind };
  const selfgen = set.selfgen;
  const dropped = new Set(selfgen?.dropped);
  return {
    windows: set.windows.map((w) => Array.from(w)),
    format: CALIBRATION_FILE_FORMAT,
    version: 1,
    source: set.label,
    request: { source: describe(source), nsamples, seqlen, seed },
    model: { label: model.label, backend: set.backend, fingerprint: selfgen?.modelFingerprint },
    starts: set.starts,
    streamTokens: set.streamTokens,
    selfgen: selfgen && {
      settings: { ...selfgen.settings },
      cutoffPpl: selfgen.cutoffPpl,
      droppedShare: selfgen.droppedShare,
      keptSamples: selfgen.kept.length,
      droppedSamples: selfgen.dropped.length,
      samples: selfgen.samples.map((s, i) => ({
        poolIndex: s.poolIndex,
        prompt: model.decode(s.promptIds),
        text: model.decode(s.ids),
        promptIds: s.promptIds,
        ids: s.ids,
        stoppedBy: s.stoppedBy,
        ppl: s.ppl,
        dropped: dropped.has(i),
      })),
    },
  };
}

/**
 * The windows of a calibration file, checked: a JSON object whose `windows` is a non-empty array of at
 * most MAX_WINDOWS equally long arrays (2 … `maxPositions` ids) of integer token ids in [0, vocabSize).
 */
export function parseCalibrationWindows(json: unknown, options: { fileName: string; vocabSize: number; maxPositions?: number }): Int32Array[] {
  const { fileName, vocabSize, maxPositions = Infinity } = options;
  if (!(Number.isInteger(vocabSize) && vocabSize > 0)) throw new RangeError(`vocabSize must be a positive integer, got ${vocabSize}`);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new InputError(`${fileName}: not a calibration file (expected a JSON object with "windows")`, 'write one with npm run cli -- calib');
  const windows = (json as { windows?: unknown }).windows;
  if (!Array.isArray(windows) || windows.length === 0) throw new InputError(`${fileName}: "windows" must be a non-empty array of token-id arrays`, 'write one with npm run cli -- calib');
  if (windows.length > MAX_WINDOWS) throw new InputError(`${fileName}: "windows" has ${windows.length} windows, at most ${MAX_WINDOWS} are used for calibration`);
  const seqlen = Array.isArray(windows[0]) ? windows[0].length : 0;
  if (seqlen > maxPositions) throw new InputError(`${fileName}: windows of ${seqlen} tokens are longer than the model's ${maxPositions} positions`);
  return windows.map((window: unknown, w) => {
    if (!Array.isArray(window) || window.length !== seqlen || seqlen < 2) throw new InputError(`${fileName}: "windows[${w}]" is not an array of ${Math.max(seqlen, 2)}+ token ids like window 0`);
    const ids = new Int32Array(seqlen);
    window.forEach((id: unknown, t) => {
      if (!(Number.isInteger(id) && (id as number) >= 0 && (id as number) < vocabSize)) {
        throw new InputError(`${fileName}: "windows[${w}][${t}]" is ${JSON.stringify(id)?.slice(0, 40) ?? String(id)}, not a token id of this model`, `expected integers in [0, ${vocabSize})`);
      }
      ids[t] = id as number;
    });
    return ids;
  });
}

/** A calibration file's text → its windows; JSON errors and bad windows are InputErrors naming the file. */
export function parseCalibrationFile(text: string, options: { fileName: string; vocabSize: number; maxPositions?: number }): Int32Array[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${options.fileName}: not valid JSON (${(error as Error).message.slice(0, 120)})`, 'expected a calibration file written by npm run cli -- calib');
  }
  return parseCalibrationWindows(json, options);
}
