import { InputError } from '../errors.ts';
import type { CalibrationSet } from './build.ts';

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
 * The windows of a calibration file, checked: a JSON object whose `windows` is a non-empty array of
 * equally long arrays of integer token ids in [0, vocabSize).
 */
export function parseCalibrationWindows(json: unknown, options: { fileName: string; vocabSize: number }): Int32Array[] {
  const { fileName, vocabSize } = options;
  const windows = (json as { windows?: unknown } | null)?.windows;
  if (!Array.isArray(windows) || windows.length === 0) throw new InputError(`${fileName}: "windows" must be a non-empty array of token-id arrays`, 'write one with npm run cli -- calib');
  const seqlen = Array.isArray(windows[0]) ? windows[0].length : 0;
  return windows.map((window: unknown, w) => {
    if (!Array.isArray(window) || window.length !== seqlen || seqlen < 2) throw new InputError(`${fileName}: window ${w} is not an array of ${Math.max(seqlen, 2)}+ token ids like window 0`);
    const ids = Int32Array.from(window as number[]);
    window.forEach((id: unknown, t) => {
      if (!(Number.isInteger(id) && (id as number) >= 0 && (id as number) < vocabSize)) throw new InputError(`${fileName}: window ${w}, position ${t}: ${JSON.stringify(id)} is not a token id of this model`, `expected integers in [0, ${vocabSize})`);
    });
    return ids;
  });
}
