import { readFile } from 'node:fs/promises';
import { InputError } from '../../lib/errors.ts';
import { summarise, type Summary } from '../../lib/irs/evaluate.ts';
import { ROUTE_MODES, type RouteMode } from '../../lib/irs/field.ts';
import { parseScenario } from '../../lib/irs/scenario.ts';
import { parseFlags } from '../args.ts';

/**
 * `npm run cli -- irs --scenario FILE.json [--grid 256] [--route best|single|direct]`: per-user SNR and
 * route, and area coverage, as one JSON line — the same lib code as the IRS page, on the CPU.
 */
export async function run(argv: string[]): Promise<Summary> {
  const flags = parseFlags(argv, { scenario: undefined, grid: 256, route: 'best' });
  if (!flags.scenario) throw new InputError('--scenario FILE.json is required', 'usage: npm run cli -- irs --scenario FILE.json [--grid 256] [--route best|single|direct]');
  if (!Number.isInteger(flags.grid) || flags.grid < 1 || flags.grid > 4096) throw new InputError(`--grid must be an integer from 1 to 4096, got ${flags.grid}`);
  if (!ROUTE_MODES.includes(flags.route as RouteMode)) throw new InputError(`--route must be one of ${ROUTE_MODES.join(', ')}, got "${flags.route}"`);
  let text: string;
  try {
    text = await readFile(flags.scenario, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${flags.scenario}: ${(error as Error).message}`);
  }
  return summarise(parseScenario(text, flags.scenario), { gridLongSide: flags.grid, mode: flags.route as RouteMode });
}
