import { InputError } from '../errors.ts';

/**
 * A multi-channel EMG recording as the parsers return it: one row per muscle, one column per sample,
 * row-major in one Float32Array ([muscles, samples]), the layout NMF factorises (E ≈ W·H).
 */
export interface EmgRecording {
  /** File or trial name, used in messages and tables. */
  name: string;
  sampleRateHz: number;
  muscles: string[];
  samples: number;
  /** [muscles, samples] */
  data: Float32Array;
}

/**
 * The muscles of the study's kind (shoulder work), each with the names it goes by in common exports:
 * the Seth et al. files call the upper trapezius `TS` and have two pectoralis heads.
 */
export const DEFAULT_MUSCLE_CHOICES: readonly (readonly string[])[] = [
  ['AD'],
  ['MD'],
  ['PD'],
  ['PM', 'PM_Clav', 'PM_Sternal'],
  ['UT', 'TS'],
  ['SA'],
  ['LatD'],
  ['Infra'],
];

/** The default muscles present in `available` (first matching alias of each), in the default order. */
export function defaultMuscles(available: readonly string[]): string[] {
  const rowOf = rowsByName(available);
  const chosen: string[] = [];
  for (const aliases of DEFAULT_MUSCLE_CHOICES) {
    const hit = aliases.map((alias) => rowOf.get(alias.toLowerCase())).find((row) => row !== undefined);
    if (hit !== undefined) chosen.push(available[hit]);
  }
  return chosen;
}

/** Lower-cased name → first row with it: one pass, so picking from 10⁶ columns stays linear. */
function rowsByName(names: readonly string[]): Map<string, number> {
  const rows = new Map<string, number>();
  names.forEach((name, row) => {
    const key = name.toLowerCase();
    if (!rows.has(key)) rows.set(key, row);
  });
  return rows;
}

/**
 * Keeps the named muscles (case-insensitive), in the order given. Without names, the default set
 * when at least two of it are present, else every muscle.
 */
export function selectMuscles(recording: EmgRecording, names?: readonly string[]): EmgRecording {
  let wanted = names && names.length > 0 ? [...names] : defaultMuscles(recording.muscles);
  if (!names?.length && wanted.length < 2) wanted = [...recording.muscles];
  const rowOf = rowsByName(recording.muscles);
  const rows = wanted.map((name) => {
    const row = rowOf.get(name.trim().toLowerCase());
    if (row === undefined) {
      throw new InputError(
        `${recording.name}: no muscle called "${name.slice(0, 60)}"`,
        `the file has: ${listNames(recording.muscles)}`,
      );
    }
    return row;
  });
  if (new Set(rows).size !== rows.length) throw new InputError(`${recording.name}: a muscle is chosen twice (${listNames(wanted)})`);
  const n = recording.samples;
  const data = new Float32Array(rows.length * n);
  rows.forEach((row, i) => data.set(recording.data.subarray(row * n, (row + 1) * n), i * n));
  return { ...recording, muscles: rows.map((row) => recording.muscles[row]), data };
}

/** At most `max` names for a message, then how many more. */
export function listNames(names: readonly string[], max = 12): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} … (${names.length - max} more)`;
}

/** Rejects NaN and ±Infinity, naming the muscle and the sample's time. */
export function checkFinite(recording: EmgRecording): void {
  const n = recording.samples;
  for (let row = 0; row < recording.muscles.length; row++) {
    for (let j = 0; j < n; j++) {
      if (!Number.isFinite(recording.data[row * n + j])) {
        throw new InputError(
          `${recording.name}: ${recording.muscles[row]} has a non-finite value at sample ${j} (t = ${(j / recording.sampleRateHz).toFixed(3)} s)`,
          'every EMG value must be a finite number; remove or interpolate gaps before importing',
        );
      }
    }
  }
}
