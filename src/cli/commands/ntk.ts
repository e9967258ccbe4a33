import { readFile } from 'node:fs/promises';
import { parseFlags } from '../args.ts';
import { InputError } from '../../lib/errors.ts';
import { NTK_DEFAULTS, checkNtkConfig, runNtkExperiment, type NtkConfig } from '../../lib/ntk/experiment.ts';
import { SPHERE_LAWS, type SphereLaw } from '../../lib/ntk/sphere.ts';
import { TARGET_NAMES, type TargetName } from '../../lib/ntk/targets.ts';
import { parseNtkData } from '../../lib/ntk/userData.ts';
import { decodeDrawn } from '../../lib/ntk/drawnTarget.ts';
import { trainNetworkTf, type Tf } from '../../lib/ntk/networkTf.ts';
import { nodeTf as nodeTfCore } from '../../lib/opt/cpu/nodeTf.ts';

const nodeTf = async () => (await nodeTfCore()) as unknown as Tf;

/**
 * `npm run cli -- ntk [--data F.json | --n 200,400,800 --d 5 --law uniform --target smooth --sigma 0.3]
 *   --m 256,4096 --eta 1 --steps 1000 --checkpoints 1,10,100,1000 --seed 0 [--path tfjs|cpu]
 *   [--target drawn --d 2 --draw <32 base64url characters, the page's draw= link setting>]`: two-layer ReLU networks
 * trained by GD beside NTK kernel GD, with the Raskutti–Wainwright–Yu stopping rule (docs/ntk.md).
 * Prints {kernel, network, rates?} as one JSON line. The network trains on tfjs-wasm (f32, SIMD) unless
 * `--path cpu` asks for the typed-array reference (f64); kernel GD is typed arrays either way.
 */
const FLAGS = {
  data: undefined,
  n: NTK_DEFAULTS.ns.join(','),
  d: NTK_DEFAULTS.d,
  law: NTK_DEFAULTS.law as string,
  target: NTK_DEFAULTS.target as string,
  sigma: NTK_DEFAULTS.sigma,
  'n-test': NTK_DEFAULTS.nTest,
  m: NTK_DEFAULTS.widths.join(','),
  eta: NTK_DEFAULTS.eta,
  steps: NTK_DEFAULTS.steps,
  checkpoints: NTK_DEFAULTS.checkpoints.join(','),
  seed: NTK_DEFAULTS.seed,
  eigenvalues: 50,
  quiet: false,
  path: 'tfjs',
  draw: '',
};

function integers(raw: string, flag: string): number[] {
  const values = raw.split(',').map((s) => Number(s.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v))) throw new InputError(`--${flag} must be a comma-separated list of integers, got "${raw}"`);
  return values;
}

export async function configFromFlags(argv: string[]): Promise<NtkConfig & { quiet: boolean; eigenvalueCount: number; path: 'tfjs' | 'cpu' }> {
  const flags = parseFlags(argv, FLAGS);
  if (flags.path !== 'tfjs' && flags.path !== 'cpu') throw new InputError(`--path must be tfjs or cpu, got "${flags.path}"`);
  if (!SPHERE_LAWS.includes(flags.law as SphereLaw)) throw new InputError(`--law must be one of ${SPHERE_LAWS.join(', ')}, got "${flags.law}"`);
  if (!TARGET_NAMES.includes(flags.target as TargetName)) throw new InputError(`--target must be one of ${TARGET_NAMES.join(', ')}, got "${flags.target}"`);
  let data;
  if (flags.data !== undefined) {
    let text: string;
    try {
      text = await readFile(flags.data, 'utf8');
    } catch (error) {
      throw new InputError(`cannot read --data ${flags.data}`, (error as Error).message);
    }
    data = parseNtkData(text, flags.data);
  }
  const config: NtkConfig = {
    ns: integers(flags.n, 'n'),
    d: flags.d,
    law: flags.law as SphereLaw,
    target: flags.target as TargetName,
    sigma: flags.sigma,
    nTest: flags['n-test'],
    widths: integers(flags.m, 'm'),
    eta: flags.eta,
    steps: flags.steps,
    checkpoints: integers(flags.checkpoints, 'checkpoints'),
    seed: flags.seed,
    data,
    ...(flags.draw ? { drawn: decodeDrawn(flags.draw, '--draw') } : {}),
  };
  try {
    checkNtkConfig(config);
  } catch (error) {
    throw new InputError((error as Error).message);
  }
  return { ...config, quiet: flags.quiet, eigenvalueCount: flags.eigenvalues, path: flags.path };
}

export async function run(argv: string[]) {
  const { quiet, eigenvalueCount, path, ...config } = await configFromFlags(argv);
  let lastReport = 0;
  const tf = path === 'tfjs' ? await nodeTf() : null;
  const result = await runNtkExperiment(config, {
    trainer: tf ? (options) => trainNetworkTf(tf, options) : undefined,
    onProgress: (p) => {
      const now = Date.now();
      if (quiet || (now - lastReport < 2000 && p.done !== p.total)) return;
      lastReport = now;
      process.stderr.write(`${p.phase}: ${p.done}/${p.total}\n`);
    },
  });
  const kernel = { ...result.kernel, eigenvalues: result.kernel.eigenvalues.slice(0, eigenvalueCount) };
  return { kernel, network: result.network, ...(result.rates ? { rates: result.rates } : {}) };
}
