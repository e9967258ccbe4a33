import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseFlags } from '../args.ts';
import { InputError } from '../../lib/errors.ts';
import { analyseRecording } from '../../lib/synergy/recordingAnalysis.ts';
import { DEFAULT_NMF } from '../../lib/synergy/nmf.ts';
import { nmfCpu } from '../../lib/synergy/nmfCpu.ts';
import { parseCsv } from '../../lib/synergy/parseCsv.ts';
import { parseExp } from '../../lib/synergy/parseExp.ts';

/**
 * `npm run cli -- nmf --input FILE(.csv|.exp) [--muscles AD,MD,…] [--kmax 8] [--restarts 20] [--raw] [--k N]`
 * Muscle synergies of one recording on the CPU path. `.exp` files are raw EMG; a CSV is taken as
 * envelopes (non-negative) unless --raw. Prints {"k", "vaf", "W", "muscles", "seconds"}.
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
  });
  if (!flags.input) throw new InputError('--input is required', 'usage: npm run cli -- nmf --input FILE(.csv|.exp) [--muscles AD,MD,…] [--kmax 8] [--restarts 20] [--raw] [--k N]');
  const started = performance.now();
  const extension = path.extname(flags.input).toLowerCase();
  if (extension !== '.exp' && extension !== '.csv') throw new InputError(`${flags.input}: expected a .csv or .exp file`);
  let text: string;
  try {
    text = readFileSync(flags.input, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${flags.input}`, (error as Error).message);
  }
  const name = path.basename(flags.input);
  const recording = extension === '.exp' ? parseExp(text, name) : parseCsv(text, name);
  const analysis = await analyseRecording(recording, {
    muscles: flags.muscles?.split(',').map((s) => s.trim()).filter(Boolean),
    raw: extension === '.exp' || flags.raw,
    lowPassHz: flags['lowpass-hz'],
    nmf: { ...DEFAULT_NMF, kMax: Math.max(flags.kmax, flags.k), restarts: flags.restarts, seed: flags.seed },
    vafThreshold: flags.threshold,
    fixedK: flags.k > 0 ? flags.k : undefined,
  }, nmfCpu);
  const fit = analysis.run.best[analysis.k - 1];
  const m = analysis.muscles.length;
  const round = (v: number) => Number(v.toFixed(6));
  return {
    k: analysis.k,
    vaf: analysis.run.best.slice(0, flags.kmax).map((f) => round(f.vaf)),
    W: Array.from({ length: m }, (_, i) => Array.from({ length: analysis.k }, (_, r) => round(fit.w[i * analysis.k + r]))),
    muscles: analysis.muscles,
    seconds: round((performance.now() - started) / 1000),
  };
}
