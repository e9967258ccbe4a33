import { InputError } from '../errors.ts';
import { DEFAULT_ENVELOPE, envelope, normaliseRows, rowPeaks } from './envelope.ts';
import { DEFAULT_NMF, type NmfHooks, type NmfRun, type NmfSettings, type NmfSolver } from './nmf.ts';
import { mvcDivisors, type NormalisationMethod, type NormalisationReport } from './normalisation.ts';
import { checkFinite, selectMuscles, type EmgRecording } from './recording.ts';
import { chooseK, vafPerMuscle, type KChoice } from './vaf.ts';

/**
 * Synergies of one recording (the CLI, the page's "real EMG" tab): choose muscles, envelope (raw EMG)
 * or check (envelopes), normalise each muscle (its peak, nothing, or its MVC: normalisation.ts), NMF
 * for k = 1…kMax, k.
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
  /** Default 'peak' ('mvc' when an MVC trial is given). */
  normalise?: NormalisationMethod;
  /** For 'mvc': an MVC trial, processed like the recording; its envelope's peak per muscle. */
  mvc?: EmgRecording;
  /** For 'mvc': MVC values per muscle in the envelope's units (parseMvcValues), and their file's name. */
  mvcValues?: { values: Record<string, number>; fileName: string };
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
  /** Which normalisation ran, with the divisor of each muscle. */
  normalisation: NormalisationReport;
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
  const peaks = rowPeaks(env.data, m);
  const silent = chosen.muscles.filter((_, i) => peaks[i] === 0);
  if (silent.length > 0) throw new InputError(`${recording.name}: ${silent.join(', ')} ${silent.length > 1 ? 'are' : 'is'} zero throughout`, 'drop silent channels with --muscles');
  const normalisation = divisors(settings, chosen.muscles, peaks, (trial) => rowPeaks(envelope(selectMuscles(trial, chosen.muscles), envelopeSettings).data, m));
  const e = normaliseRows(env.data, normalisation.divisors);
  const overMvc = normalisation.method === 'mvc' ? chosen.muscles.filter((_, i) => peaks[i] > 1.5 * normalisation.divisors[i]) : [];
  const notes = overMvc.length > 0 ? [...env.notes, `${overMvc.join(', ')} exceed${overMvc.length > 1 ? '' : 's'} 150 % of the MVC value: check the MVC values' units.`] : env.notes;
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
    normalisation,
    notes,
  };
}

/** d_i of the chosen normalisation; `trialPeaks` processes an MVC trial like the recording. */
function divisors(settings: RecordingSettings, muscles: string[], peaks: Float64Array, trialPeaks: (trial: EmgRecording) => Float64Array): NormalisationReport {
  const method = settings.normalise ?? (settings.mvc || settings.mvcValues ? 'mvc' : 'peak');
  switch (method) {
    case 'peak':
      return { method, source: 'recording', divisors: Array.from(peaks) };
    case 'none':
      return { method, source: 'none', divisors: muscles.map(() => 1) };
    case 'mvc': {
      if (settings.mvcValues) return { method, source: `MVC values ${settings.mvcValues.fileName}`, divisors: mvcDivisors(muscles, settings.mvcValues.values, settings.mvcValues.fileName) };
      if (!settings.mvc) throw new InputError('MVC normalisation needs MVC values', 'give a file of MVC values (--mvc FILE: JSON {"AD": 0.41, …} or CSV "muscle,value" lines)');
      const reference = trialPeaks(settings.mvc);
      const silent = muscles.filter((_, i) => !(reference[i] > 0));
      if (silent.length > 0) throw new InputError(`MVC trial ${settings.mvc.name}: ${silent.join(', ')} ${silent.length > 1 ? 'are' : 'is'} zero throughout`);
      return { method, source: `MVC trial ${settings.mvc.name}`, divisors: Array.from(reference) };
    }
    default:
      throw new InputError(`unknown normalisation "${String(method)}"`, 'expected peak, none or mvc');
  }
}
