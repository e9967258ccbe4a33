import { NORMALISATION_METHODS, type NormalisationMethod } from './normalisation.ts';

/**
 * The synergy page's shareable settings (`#/synergy?participants=12&restarts=20…`): their ranges, how
 * a link's values are read, and what a job with them costs. A link is untrusted: each value is checked
 * against the same range the form offers, a bad one is left at its default and reported, and a job
 * dearer than the default one is not started from a link without asking.
 */
export interface SynergySettings {
  tab: 'study' | 'emg';
  seed: number;
  participants: number;
  gain: number;
  kmax: number;
  restarts: number;
  threshold: number;
  lowpass: number;
  duration: number;
  map: 'idw' | 'rbf';
  trial: string;
  /** How each muscle is scaled before NMF on the "real EMG" tab (normalisation.ts). */
  normalise: NormalisationMethod;
}

export const SHIPPED_TRIALS = [
  { file: 'abd01.exp', label: 'Abduction, unloaded' },
  { file: 'abd21.exp', label: 'Abduction, loaded' },
  { file: 'flx01.exp', label: 'Flexion, unloaded' },
  { file: 'flx21.exp', label: 'Flexion, loaded' },
] as const;

interface NumberRange {
  min: number;
  max: number;
  integer?: boolean;
}

/** The form's ranges (StudyForm, EmgForm), which a link must respect too. */
export const SYNERGY_RANGES: Record<'seed' | 'participants' | 'gain' | 'kmax' | 'restarts' | 'threshold' | 'lowpass' | 'duration', NumberRange> = {
  seed: { min: 0, max: 2 ** 31 - 1, integer: true },
  participants: { min: 3, max: 30, integer: true },
  gain: { min: 0.1, max: 1.5 },
  kmax: { min: 2, max: 8, integer: true },
  restarts: { min: 1, max: 50, integer: true },
  threshold: { min: 0.5, max: 0.99 },
  lowpass: { min: 4, max: 10 },
  duration: { min: 0.1, max: 0.9 },
};

const CHOICES: Record<'tab' | 'map' | 'trial' | 'normalise', readonly string[]> = {
  tab: ['study', 'emg'],
  map: ['idw', 'rbf'],
  trial: SHIPPED_TRIALS.map((trial) => trial.file),
  normalise: NORMALISATION_METHODS,
};

/**
 * Settings from a link: every known key checked, bad values kept at their default and listed in
 * `problems` (one line each, naming the setting, the value and the range).
 */
export function settingsFromParams(params: URLSearchParams, defaults: SynergySettings): { settings: SynergySettings; problems: string[]; fromLink: boolean } {
  const settings: SynergySettings = { ...defaults };
  const problems: string[] = [];
  let fromLink = false;
  for (const key of Object.keys(defaults) as (keyof SynergySettings)[]) {
    const raw = params.get(key);
    if (raw === null) continue;
    fromLink = true;
    const shown = JSON.stringify(raw.slice(0, 40));
    if (key in SYNERGY_RANGES) {
      const range = SYNERGY_RANGES[key as keyof typeof SYNERGY_RANGES];
      const value = raw.trim() === '' ? Number.NaN : Number(raw);
      if (Number.isFinite(value) && value >= range.min && value <= range.max && (!range.integer || Number.isInteger(value))) {
        (settings as unknown as Record<string, number>)[key] = value;
      } else {
        problems.push(`${key}=${shown}: expected ${range.integer ? 'an integer' : 'a number'} from ${range.min} to ${range.max}`);
      }
    } else {
      const choices = CHOICES[key as keyof typeof CHOICES];
      if (choices.includes(raw)) (settings as unknown as Record<string, string>)[key] = raw;
      else problems.push(`${key}=${shown}: expected one of ${choices.join(', ')}`);
    }
  }
  return { settings, problems, fromLink };
}

/**
 * What a run with these settings costs, in NMF fits (one fit: one k, one restart, on one recording):
 * the study fits every participant × 2 conditions × k = 1…kmax × restarts; a recording fits
 * k = 1…min(8, kmax + 3) × restarts. Time grows with it in proportion.
 */
export function nmfFits(settings: SynergySettings): number {
  return settings.tab === 'study'
    ? settings.participants * 2 * settings.kmax * settings.restarts
    : Math.min(8, settings.kmax + 3) * settings.restarts;
}
