import { InputError } from '../lib/errors.ts';

/**
 * A small flag parser for the CLI: `--name value`, `--flag` (boolean), and `--name=value`.
 * Each command declares its flags with defaults, so unknown flags are errors, not silent typos.
 */
export type FlagSpec = Record<string, string | number | boolean | undefined>;
export type Flags<S extends FlagSpec> = { [K in keyof S]: S[K] extends undefined ? string | undefined : S[K] };

export function parseFlags<S extends FlagSpec>(argv: readonly string[], spec: S): Flags<S> {
  const values: Record<string, unknown> = { ...spec };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith('--')) throw new InputError(`unexpected argument "${token}"`, 'flags look like --name value');
    const [name, inline] = token.slice(2).split(/=(.*)/s, 2);
    if (!(name in spec)) throw new InputError(`unknown flag --${name}`, `known flags: ${Object.keys(spec).map((k) => `--${k}`).join(' ')}`);
    const fallback = spec[name];
    if (typeof fallback === 'boolean') {
      values[name] = inline === undefined ? true : inline !== 'false';
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined) throw new InputError(`--${name} needs a value`);
    if (typeof fallback === 'number') {
      const number = Number(raw);
      if (!Number.isFinite(number)) throw new InputError(`--${name} must be a number, got "${raw}"`);
      values[name] = number;
    } else {
      values[name] = raw;
    }
  }
  return values as Flags<S>;
}
