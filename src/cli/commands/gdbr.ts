import { parseFlags } from '../args.ts';
import { InputError } from '../../lib/errors.ts';
import { ATTACK_NAMES, isAttackName } from '../../lib/gdbr/attacks/index.ts';
import { checkGdbrConfig, describePartition, GDBR_DEFAULTS, type GdbrConfig } from '../../lib/gdbr/config.ts';
import { describeDefense, type DefenseSpec } from '../../lib/gdbr/defenses.ts';
import { runGdbrExperiment, type AttackSummary } from '../../lib/gdbr/experiment.ts';
import { FileWeightCache } from '../../lib/gdbr/nodeWeightCache.ts';
import { isSweepAxis, runSweep, SWEEP_AXES } from '../../lib/gdbr/sweep.ts';
import { loadShippedMnist, useNodeWasmBackend } from '../../lib/train/node.ts';

/**
 * `npm run cli -- gdbr --model mlp|cnn --batch 64 --local-steps 1 --defense hide-last --trials 20 --seed 0`: label
 * recovery from one client's gradients on the shipped MNIST (tfjs wasm backend); prints the metrics
 * of every attack as one JSON line. `--sweep batchSize --values 8,32,128` sweeps one setting instead.
 * Trained stages are cached in `--cache` (default .cache/gdbr-weights; '' for none).
 */
const FLAGS = {
  model: GDBR_DEFAULTS.model as string,
  batch: GDBR_DEFAULTS.batchSize,
  /** E: local SGD steps before the victim shares its update (1 = one gradient). */
  'local-steps': GDBR_DEFAULTS.localSteps,
  /** Comma list of none, hide-last, keep-local, prune, noise. */
  defense: 'hide-last',
  'prune-ratio': 0.9,
  'noise-sigma': 1e-3,
  trials: GDBR_DEFAULTS.trials,
  seed: GDBR_DEFAULTS.seed,
  rounds: GDBR_DEFAULTS.federation.rounds,
  clients: GDBR_DEFAULTS.federation.clients,
  /** 'iid' or a Dirichlet concentration α > 0. */
  alpha: 'iid',
  aux: GDBR_DEFAULTS.federation.auxSize,
  attacks: 'all',
  sweep: '',
  values: '',
  cache: '.cache/gdbr-weights',
  quiet: false,
};

export function defenseFromFlags(names: string, pruneRatio: number, noiseSigma: number): DefenseSpec {
  const defense: DefenseSpec = { lastLayer: 'shared', pruneRatio: 0, noiseSigma: 0 };
  for (const name of names.split(',').map((part) => part.trim()).filter(Boolean)) {
    if (name === 'none') continue;
    else if (name === 'hide-last') defense.lastLayer = 'withheld';
    else if (name === 'keep-local') defense.lastLayer = 'local';
    else if (name === 'prune') defense.pruneRatio = pruneRatio;
    else if (name === 'noise') defense.noiseSigma = noiseSigma;
    else throw new InputError(`--defense: unknown defense "${name}"`, 'expected a comma list of none, hide-last, keep-local, prune, noise');
  }
  return defense;
}

export function configFromFlags(argv: string[]): GdbrConfig {
  const flags = parseFlags(argv, FLAGS);
  if (flags.model !== 'mlp' && flags.model !== 'cnn') throw new InputError(`--model must be mlp or cnn, got "${flags.model}"`);
  const alpha = flags.alpha === 'iid' ? undefined : Number(flags.alpha);
  if (alpha !== undefined && !(alpha > 0)) throw new InputError(`--alpha must be "iid" or a number > 0, got "${flags.alpha}"`);
  const attacks = flags.attacks === 'all' ? [...ATTACK_NAMES] : flags.attacks.split(',');
  for (const name of attacks) if (!isAttackName(name)) throw new InputError(`--attacks: unknown attack "${name}"`, `known: ${ATTACK_NAMES.join(', ')}`);
  return checkGdbrConfig({
    ...GDBR_DEFAULTS,
    model: flags.model,
    batchSize: flags.batch,
    localSteps: flags['local-steps'],
    trials: flags.trials,
    seed: flags.seed,
    attacks: attacks.filter(isAttackName),
    defense: defenseFromFlags(flags.defense, flags['prune-ratio'], flags['noise-sigma']),
    federation: {
      ...GDBR_DEFAULTS.federation,
      rounds: flags.rounds,
      clients: flags.clients,
      auxSize: flags.aux,
      partition: alpha === undefined ? { kind: 'iid' } : { kind: 'dirichlet', alpha },
    },
  });
}

export async function run(argv: string[]) {
  const config = configFromFlags(argv);
  const flags = parseFlags(argv, FLAGS);
  const hooks = {
    cache: flags.cache ? new FileWeightCache(flags.cache) : undefined,
    progress: flags.quiet
      ? undefined
      : ({ phase, done, total }: { phase: string; done: number; total: number }) => {
          if (done === total) process.stderr.write(`${phase}: done\n`);
        },
  };
  const backend = await useNodeWasmBackend();
  const data = await loadShippedMnist();
  const settings = {
    model: config.model,
    batch: config.batchSize,
    localSteps: config.localSteps,
    defense: describeDefense(config.defense),
    partition: describePartition(config.federation.partition),
    rounds: config.federation.rounds,
    trials: config.trials,
    seed: config.seed,
    backend,
  };
  if (flags.sweep) {
    if (!isSweepAxis(flags.sweep)) throw new InputError(`--sweep: unknown axis "${flags.sweep}"`, `known: ${Object.keys(SWEEP_AXES).join(', ')}`);
    const values = flags.values ? flags.values.split(',').map(Number) : SWEEP_AXES[flags.sweep].defaults;
    if (!values.every(Number.isFinite)) throw new InputError(`--values must be a comma list of numbers, got "${flags.values}"`);
    const sweep = await runSweep(data, config, flags.sweep, values, hooks);
    return {
      ...settings,
      sweep: sweep.axis,
      points: sweep.points.map((point) => ({ value: point.value, modelAccuracy: point.testAccuracy, attacks: metricsByAttack(point.summaries) })),
      seconds: sweep.seconds,
    };
  }
  const result = await runGdbrExperiment(data, config, hooks);
  return {
    ...settings,
    modelAccuracy: result.testAccuracy,
    victim: result.victim,
    attacks: metricsByAttack(result.summaries),
    seconds: result.seconds,
  };
}

/** Per attack: how it ran ('reference' = with the last layer visible) and each metric's mean and SD. */
function metricsByAttack(summaries: AttackSummary[]) {
  return Object.fromEntries(summaries.map((summary) => [summary.attack, { mode: summary.mode, ...summary.metrics }]));
}
