import { InputError } from '../errors.ts';

/**
 * How each muscle's envelope is scaled before NMF, E[i, :] / d_i:
 *   peak — d_i = the muscle's own peak in this recording (so every row peaks at 1; the default);
 *   none — d_i = 1, the envelope as recorded (or as the file holds it);
 *   mvc  — d_i = the muscle's maximum-voluntary-contraction amplitude, from an MVC trial or a file
 *          of values in the envelope's units (parseMvcValues).
 * NMF's W depends on the choice: scaling row i scales row i of W, so muscles' relative weights in a
 * synergy change with it. The analysis reports which one ran and the divisors.
 */
export type NormalisationMethod = 'peak' | 'none' | 'mvc';

export const NORMALISATION_METHODS: readonly NormalisationMethod[] = ['peak', 'none', 'mvc'];

export function isNormalisationMethod(value: unknown): value is NormalisationMethod {
  return typeof value === 'string' && (NORMALISATION_METHODS as readonly string[]).includes(value);
}

/** What ran: the method, where the MVC values came from, and d_i per muscle (in `muscles` order). */
export interface NormalisationReport {
  method: NormalisationMethod;
  /** 'recording' (peak), 'none', 'MVC trial <name>' or 'MVC values <file>'. */
  source: string;
  divisors: number[];
}

/**
 * MVC values from a file, as { muscle: value }. Two formats:
 *   JSON — an object {"AD": 0.41, "MD": 0.37, …};
 *   CSV  — two columns, muscle and value, one muscle a line; a first line whose value is not a number
 *          is a header ("muscle,mvc"); `;` or a tab also separate.
 * Values must be finite and > 0; a muscle given twice is an error.
 */
export function parseMvcValues(text: string, fileName: string): Record<string, number> {
  const trimmed = text.trim();
  if (trimmed === '') throw new InputError(`${fileName}: the MVC file is empty`, 'expected JSON {"muscle": value, …} or CSV lines "muscle,value"');
  const values: Record<string, number> = {};
  const add = (muscle: string, value: unknown, where: string) => {
    const name = muscle.trim();
    if (name === '') throw new InputError(`${fileName}: ${where} has no muscle name`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new InputError(`${fileName}: the MVC value of ${name} (${where}) must be a number > 0, got ${JSON.stringify(value)}`);
    }
    if (name in values) throw new InputError(`${fileName}: ${name} is given twice`);
    values[name] = value;
  };
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new InputError(`${fileName}: not valid JSON`, (error as Error).message);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InputError(`${fileName}: expected a JSON object {"muscle": value, …}`);
    for (const [muscle, value] of Object.entries(parsed)) add(muscle, value, `key "${muscle}"`);
  } else {
    const lines = trimmed.split(/\r?\n/);
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      const cells = line.split(/[,;\t]/).map((cell) => cell.trim());
      if (cells.length !== 2) throw new InputError(`${fileName}: line ${index + 1} has ${cells.length} columns, expected 2 (muscle, value)`, line);
      const value = Number(cells[1]);
      if (index === 0 && cells[1] !== '' && Number.isNaN(value)) return; // header
      add(cells[0], cells[1] === '' ? cells[1] : value, `line ${index + 1}`);
    });
  }
  if (Object.keys(values).length === 0) throw new InputError(`${fileName}: no MVC values found`, 'expected JSON {"muscle": value, …} or CSV lines "muscle,value"');
  return values;
}

/** d_i for each of `muscles` from MVC values, matched by name (case-insensitive); a missing muscle is an error. */
export function mvcDivisors(muscles: readonly string[], values: Record<string, number>, fileName: string): number[] {
  const byName = new Map(Object.entries(values).map(([name, value]) => [name.toLowerCase(), value]));
  const missing = muscles.filter((muscle) => !byName.has(muscle.toLowerCase()));
  if (missing.length > 0) {
    throw new InputError(`${fileName}: no MVC value for ${missing.join(', ')}`, `the file gives ${Object.keys(values).join(', ')}; the analysis uses ${muscles.join(', ')}`);
  }
  return muscles.map((muscle) => byName.get(muscle.toLowerCase())!);
}
