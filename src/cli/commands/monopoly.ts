import { readFileSync } from 'node:fs';
import { parseFlags } from '../args.ts';
import { InputError } from '../../lib/errors.ts';
import { ESTIMATE_DEFAULTS, GRAPH_DEFAULTS, parseFacilitiesCsv, parseHousesCsv, randomSplit, runMonopolyJob, spatialSplit, TEST, TRAIN, UNUSED, type Houses } from '../../lib/monopoly/index.ts';
import { workerMapper } from './monopolyWorkers.ts';

/**
 * `npm run cli -- monopoly [--houses F.csv --facilities F.csv] [--split random|spatial | --split-file S.json]
 * [--radius M] [--tau M] [--workers N] [--seed S]`: learns facility prices (the Monopoly method) and the
 * baselines on one split; prints {metrics, facilities, iterations, seconds, …} as one JSON line.
 */
const FLAGS = {
  houses: 'public/datasets/kc-monopoly/houses.csv',
  facilities: 'public/datasets/kc-monopoly/facilities.csv',
  'split-file': '',
  /** random: each house held out with probability --test-fraction; spatial: whole grid blocks of --block metres. */
  split: 'random',
  'test-fraction': 0.2,
  block: 3000,
  radius: GRAPH_DEFAULTS.radiusM,
  tau: GRAPH_DEFAULTS.tauM,
  'max-neighbours': GRAPH_DEFAULTS.maxHouseNeighbours,
  lambda: ESTIMATE_DEFAULTS.lambda,
  tolerance: ESTIMATE_DEFAULTS.tolerance,
  'max-iterations': ESTIMATE_DEFAULTS.maxIterations,
  /** ≤ 1: the map step runs in this thread (4 shards); N ≥ 2: N worker_threads, one shard each. */
  workers: 1,
  seed: 0,
  /** Also report θ alone (γ = 0) and the neighbourhood term alone (no facilities). */
  ablations: true,
  quiet: false,
};

function rolesFromSplitFile(path: string, houses: Houses): Uint8Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError(`--split-file ${path}: not readable JSON`, String(error));
  }
  const { train, test } = (parsed ?? {}) as { train?: unknown; test?: unknown };
  if (!Array.isArray(train) || !Array.isArray(test)) throw new InputError(`--split-file ${path}: expected {"train": [ids], "test": [ids]}`);
  const position = new Map(houses.ids.map((id, i) => [id, i]));
  const role = new Uint8Array(houses.ids.length).fill(UNUSED);
  for (const [list, value, name] of [[train, TRAIN, 'train'], [test, TEST, 'test']] as const) {
    for (const id of list) {
      const i = position.get(String(id));
      if (i === undefined) throw new InputError(`--split-file ${path}: ${name} id "${String(id)}" is not in the houses CSV`);
      role[i] = value;
    }
  }
  return role;
}

export async function run(argv: string[]) {
  const flags = parseFlags(argv, FLAGS);
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new InputError(`cannot read ${path}`, String(error));
    }
  };
  const houses = parseHousesCsv(read(flags.houses), flags.houses);
  const facilities = parseFacilitiesCsv(read(flags.facilities), flags.facilities);
  let role: Uint8Array;
  if (flags['split-file']) role = rolesFromSplitFile(flags['split-file'], houses);
  else if (flags.split === 'random') role = randomSplit(houses.ids.length, flags['test-fraction'], flags.seed);
  else if (flags.split === 'spatial') role = spatialSplit(houses.lat, houses.lon, { testFraction: flags['test-fraction'], seed: flags.seed, blockM: flags.block });
  else throw new InputError(`--split must be random or spatial, got "${flags.split}"`);
  const started = performance.now();
  const closers: (() => Promise<void>)[] = [];
  try {
    const result = await runMonopolyJob({
      houses,
      facilities,
      role,
      ablations: flags.ablations,
      graph: { radiusM: flags.radius, tauM: flags.tau, maxHouseNeighbours: flags['max-neighbours'] },
      estimate: { lambda: flags.lambda, tolerance: flags.tolerance, maxIterations: flags['max-iterations'], shards: Math.max(4, flags.workers) },
      mapper: flags.workers >= 2
        ? async (problem) => {
          const mapper = await workerMapper(problem, flags.workers);
          closers.push(() => mapper.close());
          return mapper;
        }
        : undefined,
      onIteration: flags.quiet ? undefined : (r) => process.stderr.write(`iteration ${r.iteration}: loss ${r.loss.toFixed(4)}, γ ${r.gamma.toFixed(4)}, ${r.seconds.toFixed(2)} s\n`),
    });
    return {
      metrics: result.metrics,
      facilities: result.facilities,
      iterations: result.iterations,
      seconds: (performance.now() - started) / 1000,
      converged: result.converged,
      gamma: result.gamma,
      graphSeconds: result.graphSeconds,
      fitSeconds: result.fitSeconds,
      split: flags['split-file'] ? 'file' : flags.split,
      trainHouses: result.problem.trainIndex.length,
      testHouses: role.reduce((n, r, i) => n + (r === TEST && Number.isFinite(houses.price[i]) ? 1 : 0), 0),
    };
  } finally {
    for (const close of closers) await close();
  }
}
