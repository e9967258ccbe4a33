import { InputError } from '../errors.ts';
import { CAPTION_DEFAULTS, checkCaptionConfig, type Ablation, type CaptionConfig, type Setting } from './experiment.ts';

/**
 * The page's job and its URL form (`#/video-captioning?runs=full,few,few%2Bpseudo&train=120…`): the runs to
 * compare (settings, and ablations of few+pseudo) at one small scale, one after another in the worker.
 * The default is small enough for a browser's CPU path in about two minutes; `tiny` is for a quick look.
 */
export const RUN_NAMES = ['full', 'few', 'few+pseudo', 'random-edits', 'no-penalty', 'no-refiner'] as const;
export type RunName = (typeof RUN_NAMES)[number];

export interface CaptionPageConfig {
  runs: RunName[];
  seed: number;
  train: number;
  test: number;
  encoderSteps: number;
  classifierSteps: number;
  captionerSteps: number;
  theta: number;
  beam: number;
}

export type PresetName = 'default' | 'tiny' | 'ablations';

export const PRESETS: Record<PresetName, { label: string; config: CaptionPageConfig }> = {
  default: { label: 'Three settings (≈2 min)', config: { runs: ['full', 'few', 'few+pseudo'], seed: 0, train: 100, test: 40, encoderSteps: 80, classifierSteps: 120, captionerSteps: 120, theta: 1.6, beam: 1 } },
  tiny: { label: 'Tiny (seconds)', config: { runs: ['few+pseudo'], seed: 0, train: 40, test: 10, encoderSteps: 20, classifierSteps: 30, captionerSteps: 20, theta: 1.6, beam: 1 } },
  ablations: { label: 'Ablations of few+pseudo', config: { runs: ['few+pseudo', 'random-edits', 'no-penalty', 'no-refiner'], seed: 0, train: 100, test: 40, encoderSteps: 80, classifierSteps: 120, captionerSteps: 120, theta: 1.6, beam: 1 } },
};

/** The experiment config of one run of the page's job. */
export function experimentConfig(page: CaptionPageConfig, run: RunName): CaptionConfig {
  const setting = (run === 'full' || run === 'few' || run === 'few+pseudo' ? run : 'few+pseudo') as Setting;
  const ablation = (setting === run ? 'none' : run) as Ablation;
  const d = CAPTION_DEFAULTS;
  return checkCaptionConfig({
    ...d,
    setting,
    ablation,
    seed: page.seed,
    world: { ...d.world, train: page.train, test: page.test },
    encoder: { ...d.encoder, steps: page.encoderSteps },
    classifier: { ...d.classifier, steps: page.classifierSteps },
    pseudo: { ...d.pseudo, theta: page.theta },
    captioner: { ...d.captioner, steps: page.captionerSteps, beam: page.beam },
  });
}

export function checkPageConfig(config: CaptionPageConfig): CaptionPageConfig {
  if (config.runs.length === 0) throw new InputError('choose at least one run');
  for (const run of config.runs) if (!RUN_NAMES.includes(run)) throw new InputError(`runs must be among ${RUN_NAMES.join(', ')}, got "${run}"`);
  for (const run of config.runs) experimentConfig(config, run);
  return config;
}

const NUMBER_KEYS = { seed: 'seed', train: 'train', test: 'test', encoderSteps: 'encoder', classifierSteps: 'classifier', captionerSteps: 'captioner', theta: 'theta', beam: 'beam' } as const;

export function configFromParams(params: URLSearchParams): CaptionPageConfig {
  const config: CaptionPageConfig = { ...PRESETS.default.config };
  const runs = params.get('runs');
  // a bare '+' in a query string reads as a space: few+pseudo arrives as "few pseudo"
  if (runs !== null) config.runs = runs.replaceAll(' ', '+').split(',').filter(Boolean) as RunName[];
  for (const [key, name] of Object.entries(NUMBER_KEYS) as [keyof typeof NUMBER_KEYS, string][]) {
    const raw = params.get(name);
    if (raw === null) continue;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) throw new InputError(`link setting ${name} must be a number, got "${raw}"`);
    config[key] = value;
  }
  try {
    return checkPageConfig(config);
  } catch (error) {
    throw new InputError(`link setting: ${(error as Error).message}`);
  }
}

export function paramsFromConfig(config: CaptionPageConfig): Record<string, string | number> {
  const out: Record<string, string | number> = { runs: config.runs.join(',') };
  for (const [key, name] of Object.entries(NUMBER_KEYS) as [keyof typeof NUMBER_KEYS, string][]) out[name] = config[key];
  return out;
}
