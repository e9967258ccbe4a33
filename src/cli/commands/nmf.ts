import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseFlags } from '../args.ts';
import { InputError } from '../../lib/errors.ts';
import { analyseRecording } from '../../lib/synergy/recordingAnalysis.ts';
import { DEFAULT_NMF } from '../../lib/synergy/nmf.ts';
import { nmfCpu, nmfCpuOn } from '../../lib/synergy/nmfCpu.ts';
import { NMF_POOL_DEFAULT, nmfPoolSize } from '../../lib/synergy/nmfPool.ts';
import { parseCsv } from '../../lib/synergy/parseCsv.ts';
import { parseExp } from '../../lib/synergy/parseExp.ts';
import { isNormalisationMethod, parseMvcValues } from '../../lib/synergy/normalisation.ts';
import { startNmfNodePool } from './nmfWorkers.ts';

const USAGE = 'usage: npm run cli -- nmf --input FILE(.csv|.exp) [--muscles AD,MD,…] [--kmax 8] [--restarts 20] [--raw] [--k N] [--normalise peak|none|mvc] [--mvc FILE(.json|.csv)] [--workers N]';

/**
 * `npm run cli -- nmf --input FILE(.csv|.exp) [--muscles AD,MD,…] [--kmax 8] [--restarts 20] [--raw] [--k N]
 *   [--normalise peak|none|mvc] [--mvc FILE] [--workers N]`
 * Muscle synergies of one recording on the CPU path. `.exp` files are raw EMG; a CSV is taken as
 * envelopes (non-negative) unless --raw. Each muscle is divided by its own peak (peak, the default),
 * by nothing (none), or by its MVC value from --mvc FILE (mvc): JSON {"AD": 0.41, …} or CSV lines
 * "muscle,value", in the envelope's units. Prints {"k", "vaf", "W", "muscles", "normalisation":
 * {"method", "source", "divisors": {muscle: d}}, "workers", "seconds"}. The restarts run on min(--workers, cores)
 * worker_threads (default 2; 1: in this thread), with the same result as one thread.
 */
export async function run(argv: string[]) {
  const flags = parseFlags(argv, {
    input: undefined,
    muscles: undefined,
    kmax: DEFAULT_NMF.kMax,
    restarts: DEFAULT_NMF.restarts,
    raw: false,
    k: 0,
    threshold: 0.9,
    seed: DEFAULT_NMF.seed,
    'lowpass-hz': 6,
    normalise: 'peak',
    mvc: undefined,
    workers: NMF_POOL_DEFAULT,
  });
  if (!flags.input) throw new InputError('--input is required', USAGE);
  if (!isNormalisationMethod(flags.normalise)) throw new InputError(`--normalise must be peak, none or mvc, got "${flags.normalise}"`, USAGE);
  if (flags.normalise === 'mvc' && !flags.mvc) throw new InputError('--normalise mvc needs --mvc FILE', 'a JSON object {"AD": 0.41, …} or CSV lines "muscle,value", in the envelope\'s units');
  if (flags.normalise !== 'mvc' && flags.mvc) throw new InputError(`--mvc is only used with --normalise mvc (got --normalise ${flags.normalise})`);
  const started = performance.now();
  const extension = path.extname(flags.input).toLowerCase();
  if (extension !== '.exp' && extension !== '.csv') throw new InputError(`${flags.input}: expected a .csv or .exp file`);
  const text = readText(flags.input);
  const name = path.basename(flags.input);
  const mvcValues = flags.mvc ? { values: parseMvcValues(readText(flags.mvc), path.basename(flags.mvc)), fileName: path.basename(flags.mvc) } : undefined;
  const recording = extension === '.exp' ? parseExp(text, name) : parseCsv(text, name);
  if (!(Number.isInteger(flags.workers) && flags.workers >= 1)) throw new InputError(`--workers must be a positive integer, got ${flags.workers}`, USAGE);
  const workers = nmfPoolSize(availableParallelism(), flags.workers);
  const pool = workers > 1 ? startNmfNodePool(workers) : undefined;
  const analysis = await analyseRecording(recording, {
    muscles: flags.muscles?.split(',').map((s) => s.trim()).filter(Boolean),
    raw: extension === '.exp' || flags.raw,
    lowPassHz: flags['lowpass-hz'],
    nmf: { ...DEFAULT_NMF, kMax: Math.max(flags.kmax, flags.k), restarts: flags.restarts, seed: flags.seed },
    vafThreshold: flags.threshold,
    fixedK: flags.k > 0 ? flags.k : undefined,
    normalise: flags.normalise,
    mvcValues,
  }, pool ? nmfCpuOn(pool.runners) : nmfCpu).finally(() => pool?.close());
  const fit = analysis.run.best[analysis.k - 1];
  const m = analysis.muscles.length;
  const round = (v: number) => Number(v.toFixed(6));
  return {
    k: analysis.k,
    vaf: analysis.run.best.slice(0, flags.kmax).map((f) => round(f.vaf)),
    W: Array.from({ length: m }, (_, i) => Array.from({ length: analysis.k }, (_, r) => round(fit.w[i * analysis.k + r]))),
    muscles: analysis.muscles,
    normalisation: {
      method: analysis.normalisation.method,
      source: analysis.normalisation.source,
      divisors: Object.fromEntries(analysis.muscles.map((muscle, i) => [muscle, analysis.normalisation.divisors[i]])),
    },
    workers,
    seconds: round((performance.now() - started) / 1000),
  };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${file}`, (error as Error).message);
  }
}
