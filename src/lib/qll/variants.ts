import { InputError } from '../errors.ts';
import { QLL_DEFAULTS, checkQllConfig, type QllConfig } from './config.ts';
import { QLL_METHOD_LABELS } from './methodNames.ts';
import { isPriorSetting, type PriorSetting } from './nnpu.ts';

/**
 * What the page and the study compare: the four methods, with the CPU risk in two variants (the
 * logistic loss, our default, and nnPU's bounded sigmoid loss; see cpuRisk.ts), and the
 * settings they share, read from and written to the page's URL.
 */
export const QLL_VARIANTS = {
  ce: { method: 'ce', label: QLL_METHOD_LABELS.ce },
  soft: { method: 'soft', label: QLL_METHOD_LABELS.soft },
  smooth: { method: 'smooth', label: QLL_METHOD_LABELS.smooth },
  cpu: { method: 'cpu', surrogate: 'logistic', label: 'CPU risk (logistic ℓ)' },
  'cpu-sigmoid': { method: 'cpu', surrogate: 'sigmoid', label: 'CPU risk (sigmoid ℓ)' },
} as const satisfies Record<string, { method: QllConfig['method']; surrogate?: QllConfig['nnpu']['surrogate']; label: string }>;

export type QllVariantName = keyof typeof QLL_VARIANTS;

export const QLL_VARIANT_NAMES = Object.keys(QLL_VARIANTS) as QllVariantName[];

export function isQllVariantName(value: string): value is QllVariantName {
  return value in QLL_VARIANTS;
}

/** The config of one variant on top of shared settings. */
export function variantConfig(shared: QllConfig, variant: QllVariantName): QllConfig {
  const entry: { method: QllConfig['method']; surrogate?: QllConfig['nnpu']['surrogate'] } = QLL_VARIANTS[variant];
  return { ...shared, method: entry.method, nnpu: { ...shared.nnpu, surrogate: entry.surrogate ?? shared.nnpu.surrogate } };
}

/** Settings of the page: the shared config and which variants to run. */
export interface QllPageSettings {
  shared: QllConfig;
  variants: QllVariantName[];
}

export const QLL_PAGE_DEFAULTS: QllPageSettings = {
  // A short default job (about a minute on a laptop CPU): every variant, 2 epochs on the 6 000
  // training images. More epochs separate the methods more; the study script runs 10.
  shared: { ...QLL_DEFAULTS, epochs: 2 },
  variants: [...QLL_VARIANT_NAMES],
};

/** Reads settings from URL parameters; missing ones take the defaults, bad ones are an InputError. */
export function settingsFromParams(params: URLSearchParams): QllPageSettings {
  const base = QLL_PAGE_DEFAULTS.shared;
  const number = (key: string, fallback: number) => {
    const raw = params.get(key);
    if (raw === null || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new InputError(`the link's setting ${key}=${raw} is not a number`);
    return value;
  };
  const variants = (params.get('methods') ?? QLL_PAGE_DEFAULTS.variants.join(',')).split(',').filter(Boolean);
  const unknown = variants.filter((name) => !isQllVariantName(name));
  if (unknown.length) throw new InputError(`unknown method ${unknown.join(', ')} in the link`, `known: ${QLL_VARIANT_NAMES.join(', ')}`);
  const hiddenText = params.get('hidden') ?? base.model.hidden.join(',');
  const hidden = hiddenText === '' ? [] : hiddenText.split(',').map(Number);
  const kind = params.get('model') ?? base.model.kind;
  if (kind !== 'mlp' && kind !== 'cnn') throw new InputError(`the link's model=${kind} is not mlp or cnn`);
  const shared: QllConfig = {
    ...base,
    mixFraction: number('mix', base.mixFraction),
    lambda: { kind: 'uniform', lo: number('lo', 0.3), hi: number('hi', 0.7) },
    model: kind === 'cnn' ? { kind, filters: [8, 16], kernelSize: 3, hidden } : { kind, hidden },
    epochs: number('epochs', base.epochs),
    batchSize: number('batch', base.batchSize),
    learningRate: number('lr', base.learningRate),
    seed: number('seed', base.seed),
    smoothing: number('eps', base.smoothing),
    nnpu: { ...base.nnpu, beta: number('beta', base.nnpu.beta), gamma: number('gamma', base.nnpu.gamma), prior: priorFromParam(params.get('prior')) },
  };
  checkQllConfig(shared);
  return { shared, variants: variants as QllVariantName[] };
}

export function paramsFromSettings({ shared, variants }: QllPageSettings): Record<string, string | number> {
  const lambda = shared.lambda.kind === 'uniform' ? shared.lambda : { lo: 0.3, hi: 0.7 };
  return {
    methods: variants.join(','),
    mix: shared.mixFraction,
    lo: lambda.lo,
    hi: lambda.hi,
    model: shared.model.kind,
    hidden: shared.model.hidden.join(','),
    epochs: shared.epochs,
    batch: shared.batchSize,
    lr: shared.learningRate,
    seed: shared.seed,
    eps: shared.smoothing,
    beta: shared.nnpu.beta,
    gamma: shared.nnpu.gamma,
    prior: shared.nnpu.prior,
  };
}

/** `prior=mixing` (or absent) derives π_k from the mixing procedure; a number sets every π_k. */
export function priorFromParam(raw: string | null): PriorSetting {
  if (raw === null || raw === '' || raw === 'mixing') return 'mixing';
  const value = Number(raw);
  if (!isPriorSetting(value)) throw new InputError(`the CPU prior π=${raw} is not "mixing" or a number in [0, 1)`);
  return value;
}
