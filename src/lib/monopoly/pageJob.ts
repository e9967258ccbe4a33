import { InputError } from '../errors.ts';
import type { PriceMetrics } from './metrics.ts';
import type { IterationRecord } from './estimate.ts';
import type { FacilityPrice } from './job.ts';
import type { SplitKind } from './split.ts';

/** The page's settings (all in the URL) and the structured-cloneable result its worker returns. */
export interface MonopolySettings {
  split: SplitKind;
  seed: number;
  testFraction: number;
  radiusM: number;
  tauM: number;
  lambda: number;
  maxHouseNeighbours: number;
  /** Web Workers the map step runs on (the fit is the same for any count up to the 4 shards). */
  workers: number;
}

export const PAGE_DEFAULTS: MonopolySettings = { split: 'random', seed: 0, testFraction: 0.2, radiusM: 2000, tauM: 1000, lambda: 1, maxHouseNeighbours: 50, workers: 2 };

const NUMERIC = ['seed', 'testFraction', 'radiusM', 'tauM', 'lambda', 'maxHouseNeighbours', 'workers'] as const;

/** Most shard workers the page starts. */
export const MAX_WORKERS = 8;

export function checkSettings(settings: MonopolySettings): MonopolySettings {
  if (settings.split !== 'random' && settings.split !== 'spatial') throw new InputError(`split must be random or spatial, got "${String(settings.split)}"`);
  for (const key of NUMERIC) if (!Number.isFinite(settings[key])) throw new InputError(`setting ${key} must be a number`);
  if (!(settings.testFraction > 0 && settings.testFraction < 1)) throw new InputError(`testFraction must be in (0, 1), got ${settings.testFraction}`);
  if (!(settings.radiusM > 0 && settings.tauM > 0)) throw new InputError('radiusM and tauM must be > 0');
  if (!(settings.lambda >= 0)) throw new InputError(`lambda must be ≥ 0, got ${settings.lambda}`);
  if (!(Number.isInteger(settings.maxHouseNeighbours) && settings.maxHouseNeighbours >= 1)) throw new InputError('maxHouseNeighbours must be a whole number ≥ 1');
  if (!(Number.isInteger(settings.workers) && settings.workers >= 1 && settings.workers <= MAX_WORKERS)) throw new InputError(`workers must be a whole number from 1 to ${MAX_WORKERS}, got ${settings.workers}`);
  return settings;
}

/** Settings from URL parameters; a bad value names its parameter. */
export function settingsFromParams(params: URLSearchParams): MonopolySettings {
  const settings: MonopolySettings = { ...PAGE_DEFAULTS };
  const split = params.get('split');
  if (split !== null) settings.split = split as SplitKind;
  for (const key of NUMERIC) {
    const raw = params.get(key);
    if (raw !== null) {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value)) throw new InputError(`link setting ${key}: "${raw}" is not a number`);
      settings[key] = value;
    }
  }
  return checkSettings(settings);
}

export function paramsFromSettings(settings: MonopolySettings): Record<string, string | number> {
  return { ...settings };
}

export interface MonopolyPageResult {
  settings: MonopolySettings;
  source: string;
  houses: { ids: string[]; lat: Float64Array; lon: Float64Array; price: Float64Array; predicted: Float64Array; role: Uint8Array };
  attributeNames: string[];
  facilities: (FacilityPrice & { name: string })[];
  metrics: Record<string, PriceMetrics>;
  history: IterationRecord[];
  gamma: number;
  iterations: number;
  converged: boolean;
  graphSeconds: number;
  fitSeconds: number;
  totalSeconds: number;
}

/** Iterations still to go, guessed from the geometric decay of the loss change (for the ETA). */
export function remainingIterations(history: IterationRecord[], tolerance: number, maxIterations: number): number {
  const k = history.length;
  if (k < 3) return Math.max(1, Math.min(3, maxIterations - k));
  const d1 = Math.abs(history[k - 2].loss - history[k - 1].loss);
  const d0 = Math.abs(history[k - 3].loss - history[k - 2].loss);
  const rho = d0 > 0 ? d1 / d0 : 0;
  const target = tolerance * Math.abs(history[k - 1].loss);
  if (d1 <= target || rho <= 0) return 1;
  const left = rho < 1 ? Math.ceil(Math.log(target / d1) / Math.log(rho)) : maxIterations - k;
  return Math.max(1, Math.min(left, maxIterations - k));
}
