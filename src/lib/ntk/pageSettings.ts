import { InputError } from '../errors.ts';
import { decodeDrawn, encodeDrawn } from './drawnTarget.ts';
import { NTK_DEFAULTS, checkNtkConfig, type NtkConfig } from './experiment.ts';
import { SPHERE_LAWS, type SphereLaw } from './sphere.ts';
import { TARGET_NAMES, type TargetName } from './targets.ts';

/**
 * The page's settings and presets, and their URL form (`#/ntk?n=200&d=2&m=256,2048…`).
 * The page's default is lighter than the CLI's classroom run so a browser finishes it in seconds.
 */
export type PresetName = 'default' | 'early' | 'wide' | 'distribution';

export const PRESETS: Record<PresetName, { label: string; config: NtkConfig }> = {
  default: { label: 'Quick look (d = 2)', config: { ...NTK_DEFAULTS, ns: [200], d: 2, target: 'cosine', widths: [256, 2048], steps: 500, checkpoints: [1, 10, 100, 500] } },
  early: {
    label: 'Why stop early?',
    config: { ...NTK_DEFAULTS, ns: [200], d: 2, target: 'rough', sigma: 0.6, widths: [1024], steps: 2000, checkpoints: [1, 10, 100, 1000, 2000] },
  },
  wide: { label: 'Wider is more kernel-like', config: { ...NTK_DEFAULTS, ns: [100], d: 3, widths: [16, 128, 1024, 8192], steps: 300, checkpoints: [1, 10, 100, 300] } },
  distribution: {
    label: 'No distributional assumption',
    config: { ...NTK_DEFAULTS, ns: [200], d: 5, law: 'clustered', target: 'harmonics', widths: [1024], steps: 500, checkpoints: [1, 10, 100, 500] },
  },
};

function list(raw: string, name: string): number[] {
  const values = raw.split(',').map(Number);
  if (values.some((v) => !Number.isInteger(v))) throw new InputError(`link setting ${name} must be a comma-separated list of integers, got "${raw}"`);
  return values;
}

function number(raw: string, name: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new InputError(`link setting ${name} must be a number, got "${raw}"`);
  return value;
}

export function configFromParams(params: URLSearchParams): NtkConfig {
  const base = PRESETS.default.config;
  const get = (key: string) => params.get(key) ?? undefined;
  const law = get('law') ?? base.law;
  const target = get('target') ?? base.target;
  if (!SPHERE_LAWS.includes(law as SphereLaw)) throw new InputError(`link setting law must be one of ${SPHERE_LAWS.join(', ')}, got "${law}"`);
  if (!TARGET_NAMES.includes(target as TargetName)) throw new InputError(`link setting target must be one of ${TARGET_NAMES.join(', ')}, got "${target}"`);
  const steps = get('steps') ? number(get('steps')!, 'steps') : base.steps;
  const config: NtkConfig = {
    ...base,
    ns: get('n') ? list(get('n')!, 'n') : base.ns,
    d: get('d') ? number(get('d')!, 'd') : base.d,
    law: law as SphereLaw,
    target: target as TargetName,
    sigma: get('sigma') ? number(get('sigma')!, 'sigma') : base.sigma,
    widths: get('m') ? list(get('m')!, 'm') : base.widths,
    eta: get('eta') ? number(get('eta')!, 'eta') : base.eta,
    steps,
    checkpoints: [1, 10, 100, 1000].filter((c) => c < steps).concat(steps),
    seed: get('seed') ? number(get('seed')!, 'seed') : base.seed,
    ...(get('draw') ? { drawn: decodeDrawn(get('draw')!) } : {}),
  };
  try {
    return checkNtkConfig(config);
  } catch (error) {
    throw new InputError(`link setting: ${(error as Error).message}`);
  }
}

export function paramsFromConfig(config: NtkConfig): Record<string, string | number> {
  return {
    ...(config.target === 'drawn' && config.drawn ? { draw: encodeDrawn(config.drawn) } : {}),
    n: config.ns.join(','),
    d: config.d,
    law: config.law,
    target: config.target,
    sigma: config.sigma,
    m: config.widths.join(','),
    eta: config.eta,
    steps: config.steps,
    seed: config.seed,
  };
}
