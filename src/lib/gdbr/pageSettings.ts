import { InputError } from '../errors.ts';
import { ATTACK_NAMES, isAttackName } from './attacks/index.ts';
import { checkGdbrConfig, GDBR_DEFAULTS, type GdbrConfig } from './config.ts';
import type { LastLayerPolicy } from './defenses.ts';
import { isSweepAxis, SWEEP_AXES, type SweepAxis } from './sweep.ts';

/**
 * The page's settings and their form in the URL hash (`#/gradient-labels?batch=32&defense=withheld…`),
 * so a link reproduces a run. Defaults make the page's first job small: an untrained MLP, B = 32,
 * the last layer withheld, 10 trials.
 */
export interface GdbrPageSettings {
  config: GdbrConfig;
  sweepAxis: SweepAxis;
  sweepValues: number[];
}

export const GDBR_PAGE_DEFAULTS: GdbrPageSettings = {
  config: { ...GDBR_DEFAULTS, batchSize: 32, trials: 10 },
  sweepAxis: 'batchSize',
  sweepValues: SWEEP_AXES.batchSize.defaults,
};

const LAST_LAYER_POLICIES: LastLayerPolicy[] = ['shared', 'withheld', 'local'];

export function paramsFromSettings({ config, sweepAxis, sweepValues }: GdbrPageSettings): Record<string, string | number> {
  const { federation, defense } = config;
  return {
    model: config.model,
    batch: config.batchSize,
    steps: config.localSteps,
    last: defense.lastLayer,
    prune: defense.pruneRatio,
    sigma: defense.noiseSigma,
    rounds: federation.rounds,
    alpha: federation.partition.kind === 'iid' ? 'iid' : federation.partition.alpha,
    clients: federation.clients,
    aux: federation.auxSize,
    trials: config.trials,
    seed: config.seed,
    attacks: config.attacks.join(','),
    sweep: sweepAxis,
    values: sweepValues.join(','),
  };
}

/** Reads the settings from the URL; a bad value is an InputError naming the parameter. */
export function settingsFromParams(params: URLSearchParams): GdbrPageSettings {
  const base = GDBR_PAGE_DEFAULTS;
  const number = (name: string, fallback: number): number => {
    const raw = params.get(name);
    if (raw === null || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new InputError(`link setting "${name}" is not a number`, `got "${raw}"`);
    return value;
  };
  const model = params.get('model') ?? base.config.model;
  if (model !== 'mlp' && model !== 'cnn') throw new InputError('link setting "model" must be mlp or cnn', `got "${model}"`);
  const lastLayer = (params.get('last') ?? base.config.defense.lastLayer) as LastLayerPolicy;
  if (!LAST_LAYER_POLICIES.includes(lastLayer)) throw new InputError('link setting "last" must be shared, withheld or local', `got "${lastLayer}"`);
  const alphaText = params.get('alpha') ?? 'iid';
  const alpha = alphaText === 'iid' ? undefined : Number(alphaText);
  if (alpha !== undefined && !(alpha > 0)) throw new InputError('link setting "alpha" must be iid or a number > 0', `got "${alphaText}"`);
  const attacks = (params.get('attacks') ?? ATTACK_NAMES.join(',')).split(',').filter(Boolean);
  const unknown = attacks.filter((name) => !isAttackName(name));
  if (unknown.length) throw new InputError(`link setting "attacks" names unknown attacks: ${unknown.join(', ')}`, `known: ${ATTACK_NAMES.join(', ')}`);
  const sweepAxis = params.get('sweep') ?? base.sweepAxis;
  if (!isSweepAxis(sweepAxis)) throw new InputError(`link setting "sweep" is not a sweep axis`, `got "${sweepAxis}"; known: ${Object.keys(SWEEP_AXES).join(', ')}`);
  const values = params.get('values');
  const sweepValues = values ? parseValues(values) : SWEEP_AXES[sweepAxis].defaults;
  const config = checkGdbrConfig({
    ...base.config,
    model,
    batchSize: number('batch', base.config.batchSize),
    localSteps: number('steps', base.config.localSteps),
    trials: number('trials', base.config.trials),
    seed: number('seed', base.config.seed),
    attacks: attacks.filter(isAttackName),
    defense: { lastLayer, pruneRatio: number('prune', 0), noiseSigma: number('sigma', 0) },
    federation: {
      ...base.config.federation,
      rounds: number('rounds', base.config.federation.rounds),
      clients: number('clients', base.config.federation.clients),
      auxSize: number('aux', base.config.federation.auxSize),
      partition: alpha === undefined ? { kind: 'iid' } : { kind: 'dirichlet', alpha },
    },
  });
  return { config, sweepAxis, sweepValues };
}

/** "8, 32,128" → [8, 32, 128]; anything else is an InputError. */
export function parseValues(text: string): number[] {
  const values = text.split(',').map((part) => part.trim()).filter(Boolean).map(Number);
  if (values.length === 0 || !values.every(Number.isFinite)) throw new InputError('sweep values must be a comma-separated list of numbers', `got "${text}"`);
  return values;
}
