import { parse as parseNpy } from 'npyjs';
import { InputError } from '../errors.ts';
import { Rng } from '../util/random.ts';
import { captionsFor } from './grammar.ts';
import { makeClipSpecs, poolFrames, renderClip, type ClipSpec } from './world.ts';

/**
 * A captioning data set: per clip a feature sequence [frames, featureDim] and its true captions, with
 * train / val / test splits. Made from the procedural world (`worldDataset`) or imported from
 * pre-extracted features + captions in the MSR-VTT layout (`importDataset`).
 */
export interface Clip {
  id: string;
  /** [frames, featureDim], row-major. */
  features: Float32Array;
  captions: string[];
  spec?: ClipSpec;
}

export interface CaptionDataset {
  name: string;
  frames: number;
  featureDim: number;
  /** Set when the features are the world's pooled frames (grid × grid × 3): the encoder then convolves them. */
  grid?: number;
  clips: Map<string, Clip>;
  splits: { train: string[]; val: string[]; test: string[] };
}

export interface WorldDataOptions {
  train: number;
  val: number;
  test: number;
  frames: number;
  /** Frame side in pixels, a multiple of `grid`. */
  size: number;
  grid: number;
  captionsPerClip: number;
  seed: number;
}

export const WORLD_DEFAULTS: WorldDataOptions = { train: 300, val: 0, test: 100, frames: 16, size: 64, grid: 16, captionsPerClip: 10, seed: 0 };

export function worldDataset(options: WorldDataOptions, onClip?: (done: number, total: number) => void): CaptionDataset {
  const { frames, size, grid, seed } = options;
  const clips = new Map<string, Clip>();
  const splits = { train: [] as string[], val: [] as string[], test: [] as string[] };
  const parts = [
    ['train', options.train, 1],
    ['val', options.val, 2],
    ['test', options.test, 3],
  ] as const;
  const total = options.train + options.val + options.test;
  for (const [split, count, offset] of parts) {
    const specs = makeClipSpecs({ clips: count, frames, seed: seed * 7919 + offset, prefix: `${split}-` });
    specs.forEach((spec, i) => {
      const features = poolFrames(renderClip(spec, frames, size), frames, size, grid);
      clips.set(spec.id, { id: spec.id, features, captions: captionsFor(spec, options.captionsPerClip, seed * 100_003 + offset * 10_007 + i), spec });
      splits[split].push(spec.id);
      onClip?.(clips.size, total);
    });
  }
  return { name: 'procedural world', frames, featureDim: grid * grid * 3, grid, clips, splits };
}

// ----- import -----

export interface ImportedCaptions {
  captions: Map<string, string[]>;
  /** Split named per video in the file, when it names one. */
  splitOf: Map<string, 'train' | 'val' | 'test'>;
}

const SPLIT_NAMES: Record<string, 'train' | 'val' | 'test'> = { train: 'train', validate: 'val', val: 'val', validation: 'val', test: 'test' };

/**
 * Captions in the MSR-VTT layout: `{"videos": [{"video_id", "split"?}], "sentences": [{"video_id", "caption"}]}`,
 * or the flatter MSVD-style list `[{"video_id", "caption"}]`. Captions are lower-cased and split on spaces
 * and punctuation (the metrics take pre-tokenised text).
 */
export function parseCaptionsJson(text: string, name: string): ImportedCaptions {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${name} is not valid JSON`, (error as Error).message);
  }
  const sentences = Array.isArray(value) ? value : (value as { sentences?: unknown })?.sentences;
  if (!Array.isArray(sentences))
    throw new InputError(`${name}: expected the MSR-VTT layout {"videos": […], "sentences": [{"video_id", "caption"}]} or a list of {"video_id", "caption"}`);
  const captions = new Map<string, string[]>();
  sentences.forEach((entry: unknown, i) => {
    const { video_id: id, caption } = (entry ?? {}) as { video_id?: unknown; caption?: unknown };
    if (typeof id !== 'string' && typeof id !== 'number') throw new InputError(`${name}: sentences[${i}] has no "video_id"`);
    if (typeof caption !== 'string' || caption.trim() === '') throw new InputError(`${name}: sentences[${i}] (video "${id}") has no "caption" string`);
    const list = captions.get(String(id)) ?? [];
    list.push(tokeniseCaption(caption));
    captions.set(String(id), list);
  });
  if (captions.size === 0) throw new InputError(`${name} has no captions`);
  const splitOf = new Map<string, 'train' | 'val' | 'test'>();
  const videos = Array.isArray(value) ? [] : (value as { videos?: unknown }).videos;
  if (videos !== undefined && !Array.isArray(videos)) throw new InputError(`${name}: "videos" must be a list of {"video_id", "split"}`);
  for (const [i, video] of ((videos as unknown[]) ?? []).entries()) {
    const { video_id: id, split } = (video ?? {}) as { video_id?: unknown; split?: unknown };
    if (split === undefined) continue;
    const known = typeof split === 'string' ? SPLIT_NAMES[split] : undefined;
    if (!known) throw new InputError(`${name}: videos[${i}] has split "${String(split)}"; expected train, validate/val or test`);
    splitOf.set(String(id), known);
  }
  return { captions, splitOf };
}

export function tokeniseCaption(caption: string): string {
  return caption
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .join(' ');
}

export interface FeatureTable {
  features: Map<string, Float32Array>;
  frames: number;
  featureDim: number;
}

/** Features as JSON: `{"videoId": [[f, …], …]}` (frames × dims) or `{"videoId": [f, …]}` (one vector). */
export function parseFeaturesJson(text: string, name: string): FeatureTable {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${name} is not valid JSON`, (error as Error).message);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputError(`${name}: features must be a JSON object {"videoId": [[…], …]}`);
  const table = new FeatureCollector();
  for (const [id, raw] of Object.entries(value)) {
    if (!Array.isArray(raw) || raw.length === 0) throw new InputError(`${name}: video "${id}" must map to a non-empty list of numbers or of frame vectors`);
    const rows = (Array.isArray(raw[0]) ? raw : [raw]) as unknown[];
    const dim = (rows[0] as unknown[]).length;
    const flat = new Float32Array(rows.length * dim);
    rows.forEach((row, t) => {
      if (!Array.isArray(row) || row.length !== dim) throw new InputError(`${name}: video "${id}" frame ${t} has ${Array.isArray(row) ? row.length : 'no'} values; expected ${dim}`);
      row.forEach((v, j) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`${name}: video "${id}" frame ${t} value ${j} is not a finite number`);
        flat[t * dim + j] = v;
      });
    });
    table.add(id, flat, rows.length, dim, name);
  }
  return table.result(name);
}

/** One `.npy` per video (file name = video id), shape [frames, dims] or [dims], float or int dtype. */
export function parseNpyFeatures(files: { name: string; bytes: ArrayBuffer }[]): FeatureTable {
  const table = new FeatureCollector();
  for (const { name, bytes } of files) {
    let array;
    try {
      array = parseNpy(bytes);
    } catch (error) {
      throw new InputError(`${name} is not a readable .npy file`, (error as Error).message);
    }
    if (array.fortranOrder) throw new InputError(`${name}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray`);
    if (array.shape.length < 1 || array.shape.length > 2) throw new InputError(`${name}: shape [${array.shape.join(', ')}]; expected [frames, dims] or [dims]`);
    if (array.dtype.startsWith('U') || array.dtype === 'c8' || array.dtype === 'c16') throw new InputError(`${name}: dtype ${array.dtype} is not numeric`);
    const [frames, dim] = array.shape.length === 2 ? array.shape : [1, array.shape[0]];
    const source = array.data as unknown as ArrayLike<number | bigint>;
    const flat = Float32Array.from({ length: frames * dim }, (_, i) => Number(source[i]));
    if (flat.some((v) => !Number.isFinite(v))) throw new InputError(`${name}: contains NaN or infinite values`);
    table.add(name.replace(/^.*\//, '').replace(/\.npy$/i, ''), flat, frames, dim, name);
  }
  return table.result('the .npy files');
}

class FeatureCollector {
  readonly features = new Map<string, Float32Array>();
  private frames = -1;
  private dim = -1;

  add(id: string, flat: Float32Array, frames: number, dim: number, name: string): void {
    if (this.dim >= 0 && dim !== this.dim) throw new InputError(`${name}: video "${id}" has ${dim}-dimensional features; the others have ${this.dim}`);
    // Videos with different frame counts are resampled to the first video's count (nearest frame).
    if (this.frames >= 0 && frames !== this.frames) flat = resampleFrames(flat, frames, this.frames, dim);
    else this.frames = frames;
    this.dim = dim;
    this.features.set(id, flat);
  }

  result(name: string): { features: Map<string, Float32Array>; frames: number; featureDim: number } {
    if (this.features.size === 0) throw new InputError(`${name} holds no features`);
    return { features: this.features, frames: this.frames, featureDim: this.dim };
  }
}

function resampleFrames(flat: Float32Array, from: number, to: number, dim: number): Float32Array {
  const out = new Float32Array(to * dim);
  for (let t = 0; t < to; t++) {
    const s = Math.min(from - 1, Math.round(((t + 0.5) * from) / to - 0.5));
    out.set(flat.subarray(s * dim, (s + 1) * dim), t * dim);
  }
  return out;
}

/** Joins features and captions; videos without one or the other are named in the error when none match. */
export function importDataset(captions: ImportedCaptions, table: { features: Map<string, Float32Array>; frames: number; featureDim: number }, seed = 0): CaptionDataset {
  const ids = [...captions.captions.keys()].filter((id) => table.features.has(id)).sort();
  if (ids.length < 3) {
    const example = [...captions.captions.keys()].find((id) => !table.features.has(id));
    throw new InputError(`only ${ids.length} videos have both features and captions; need at least 3`, example ? `no features for video "${example}"` : undefined);
  }
  const clips = new Map<string, Clip>();
  for (const id of ids) clips.set(id, { id, features: table.features.get(id)!, captions: captions.captions.get(id)! });
  const splits = { train: [] as string[], val: [] as string[], test: [] as string[] };
  const unsplit = new Rng(seed).shuffle(ids.filter((id) => !captions.splitOf.has(id)));
  for (const id of ids) if (captions.splitOf.has(id)) splits[captions.splitOf.get(id)!].push(id);
  // videos the file does not place: 80 % train, 10 % val, 10 % test (at least one test video)
  unsplit.forEach((id, i) => {
    const u = i / unsplit.length;
    splits[u < 0.8 ? 'train' : u < 0.9 ? 'val' : 'test'].push(id);
  });
  if (splits.test.length === 0) splits.test.push(splits.train.pop()!);
  if (splits.train.length === 0) throw new InputError('the import has no training videos');
  return { name: 'imported', frames: table.frames, featureDim: table.featureDim, clips, splits };
}
