import { InputError } from '../errors.ts';
import { toCsv } from '../util/csv.ts';
import { ARCHS, type Arch } from './decoders.ts';
import { BRAIN_DEFAULTS, checkBrainConfig, type BrainConfig, type BrainResult } from './experiment.ts';
import { NONLINEARITIES, type Nonlinearity } from './simulator.ts';

/**
 * The page's presets, their URL form (`#/brain-decoding?subjects=1,2,4&arch=mlp,cnn&rho=0.8…`) and the
 * results' CSV. The default preset (one architecture, 1…16 training subjects) is sized to finish in well
 * under a minute on the CPU path.
 */
export type PresetName = 'default' | 'architectures' | 'dissimilar' | 'misaligned';

const PAGE_BASE: BrainConfig = { ...BRAIN_DEFAULTS, steps: 150, fineTuneSubjects: 1, fineTuneSteps: 50 };

export const PRESETS: Record<PresetName, { label: string; config: BrainConfig }> = {
  default: { label: 'MLP, 1–16 subjects (ρ = 0.8)', config: PAGE_BASE },
  architectures: { label: 'MLP vs CNN vs Transformer', config: { ...PAGE_BASE, subjects: [1, 4, 16], archs: ['mlp', 'cnn', 'transformer'], fineTuneSubjects: 0 } },
  dissimilar: { label: 'Unrelated subjects (ρ = 0, no clusters)', config: { ...PAGE_BASE, similarity: 0, clusterShare: 0, subjects: [1, 4, 16] } },
  misaligned: { label: 'Misaligned sheets (shift ≤ 3 voxels)', config: { ...PAGE_BASE, shift: 3, subjects: [1, 4, 16] } },
};

/** URL key → config field, for the numeric settings. */
const NUMBERS = {
  rho: 'similarity',
  clusters: 'clusters',
  share: 'clusterShare',
  noise: 'noise',
  spread: 'noiseSpread',
  side: 'side',
  smooth: 'smoothness',
  shift: 'shift',
  held: 'testSubjects',
  train: 'trainStimuli',
  nway: 'testStimuli',
  encSteps: 'encoderSteps',
  steps: 'steps',
  batch: 'batch',
  lr: 'learningRate',
  tau: 'temperature',
  ft: 'fineTuneSubjects',
  ftSteps: 'fineTuneSteps',
} as const satisfies Record<string, keyof BrainConfig>;

function integers(raw: string, name: string): number[] {
  const values = raw.split(',').map(Number);
  if (values.some((v) => !Number.isInteger(v))) throw new InputError(`link setting ${name} must be a comma-separated list of integers, got "${raw}"`);
  return values;
}

export function configFromParams(params: URLSearchParams): BrainConfig {
  const config: BrainConfig = { ...PRESETS.default.config };
  const record = config as unknown as Record<string, number>;
  for (const [key, field] of Object.entries(NUMBERS)) {
    const raw = params.get(key);
    if (raw === null) continue;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) throw new InputError(`link setting ${key} must be a number, got "${raw}"`);
    record[field] = value;
  }
  const subjects = params.get('subjects');
  if (subjects !== null) config.subjects = integers(subjects, 'subjects');
  const seeds = params.get('seeds');
  if (seeds !== null) config.seeds = integers(seeds, 'seeds');
  const arch = params.get('arch');
  if (arch !== null) {
    const archs = arch.split(',');
    for (const a of archs) if (!ARCHS.includes(a as Arch)) throw new InputError(`link setting arch must be a list of ${ARCHS.join(', ')}, got "${arch}"`);
    config.archs = archs as Arch[];
  }
  const g = params.get('g');
  if (g !== null) {
    if (!NONLINEARITIES.includes(g as Nonlinearity)) throw new InputError(`link setting g must be one of ${NONLINEARITIES.join(', ')}, got "${g}"`);
    config.nonlinearity = g as Nonlinearity;
  }
  try {
    return checkBrainConfig(config);
  } catch (error) {
    throw new InputError(`link setting: ${(error as Error).message}`);
  }
}

export function paramsFromConfig(config: BrainConfig): Record<string, string | number> {
  const out: Record<string, string | number> = { subjects: config.subjects.join(','), arch: config.archs.join(','), seeds: config.seeds.join(','), g: config.nonlinearity };
  for (const [key, field] of Object.entries(NUMBERS)) out[key] = config[field] as number;
  return out;
}

/** One CSV with every table of a run: the curve, the similarity points and the fine-tuning rows. */
export function resultCsv(result: BrainResult): string {
  const header = ['table', 'arch', 'subjects', 'seed', 'subject', 'cluster', 'similarity', 'top1', 'top1_sd', 'top5', 'top5_sd', 'chance_top1', 'chance_top5', 'fine_tuned_top1', 'subject_only_top1'];
  const rows: (string | number | undefined)[][] = [];
  for (const p of result.curve) rows.push(['curve', p.arch, p.subjects, undefined, undefined, undefined, undefined, p.top1, p.top1Sd, p.top5, p.top5Sd, p.chance, p.chanceTop5, undefined, undefined]);
  for (const s of result.similarity) {
    for (const p of s.points) rows.push(['similarity', s.arch, s.trainSubjects, p.seed, p.subject, p.cluster, p.similarity, p.top1, undefined, p.top5, undefined, undefined, undefined, undefined, undefined]);
  }
  for (const f of result.fineTune) rows.push(['fine-tune', f.arch, undefined, f.seed, f.subject, undefined, undefined, f.zeroShot, undefined, undefined, undefined, undefined, undefined, f.fineTuned, f.subjectOnly]);
  return toCsv(header, rows);
}
