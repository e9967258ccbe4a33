import { InputError } from '../errors.ts';
import { DEFAULT_ENVELOPE, envelope, normaliseRows, rowPeaks } from './envelope.ts';
import { DEFAULT_NMF, type NmfHooks, type NmfRun, type NmfSettings, type NmfSolver } from './nmf.ts';
import { checkFinite, selectMuscles, type EmgRecording } from './recording.ts';
import { chooseK, vafPerMuscle, type KChoice } from './vaf.ts';

/**
 * Synergies of one recording (the CLI, the page's "real EMG" tab): choose muscles, envelope (raw EMG)
 * or check (envelopes), normalise each muscle to its peak (or an MVC trial's), NMF for k = 1…kMax, k.
 */
export interface RecordingSettings {
  muscles?: string[];
  raw: boolean;
  lowPassHz: number;
  nmf: NmfSettings;
  vafThreshold: number;
  elbowGain?: number;
  /** Use this k instead of the VAF rule. */
  fixedK?: number;
  mvc?: EmgRecording;
}

export const DEFAULT_RECORDING_SETTINGS: RecordingSettings = { raw: true, lowPassHz: 6, nmf: DEFAULT_NMF, vafThreshold: 0.9 };

export interface RecordingAnalysis {
  name: string;
  muscles: string[];
  /** The normalised envelope NMF saw: [m, n] at `sampleRateHz` */
  envelope: Float32Array;
  sampleRateHz: number;
  run: NmfRun;
  choice: KChoice;
  k: number;
  /** VAF of each muscle at the chosen k */
  muscleVaf: number[];
  notes: string[];
}

export async function analyseRecording(recording: EmgRecording, settings: RecordingSettings, solver: NmfSolver, hooks: NmfHooks = {}): Promise<RecordingAnalysis> {
  checkFinite(recording);
  const chosen = selectMuscles(recording, settings.muscles);
  const m = chosen.muscles.length;
  if (m < 2) throw new InputError(`${recording.name}: synergies need at least 2 muscles, got ${m}`);
  const kMax = Math.min(settings.nmf.kMax, m);
  if (settings.fixedK !== undefined && !(Number.isInteger(settings.fixedK) && settings.fixedK >= 1 && settings.fixedK <= m)) {
    throw new InputError(`--k must be an integer from 1 to the number of muscles (${m}), got ${settings.fixedK}`);
  }
  const envelopeSettings = { ...DEFAULT_ENVELOPE, raw: settings.raw, lowPassHz: settings.lowPassHz, envelopeRateHz: settings.raw ? DEFAULT_ENVELOPE.envelopeRateHz : 0 };
  const env = envelope(chosen, envelopeSettings);
  const reference = settings.mvc ? rowPeaks(envelope(selectMuscles(settings.mvc, chosen.muscles), envelopeSettings).data, m) : rowPeaks(env.data, m);
  const silent = chosen.muscles.filter((_, i) => reference[i] === 0);
  if (silent.length > 0) throw new InputError(`${recording.name}: ${silent.join(', ')} ${silent.length > 1 ? 'are' : 'is'} zero throughout`, 'drop silent channels with --muscles');
  const e = normaliseRows(env.data, reference);
  const run = await solver({ e, m, n: env.samples }, { ...settings.nmf, kMax }, hooks);
  const choice = chooseK(run.best.map((fit) => fit.vaf), settings.vafThreshold, settings.elbowGain);
  const k = settings.fixedK ?? choice.k;
  const fit = run.best[k - 1];
  return {
    name: recording.name,
    muscles: chosen.muscles,
    envelope: e,
    sampleRateHz: env.sampleRateHz,
    run,
    choice,
    k,
    muscleVaf: vafPerMuscle(e, fit.w, fit.h, { m, n: env.samples, k }),
    notes: env.notes,
  };
}
