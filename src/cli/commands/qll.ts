import { parseFlags } from '../args.ts';
import { InputError } from '../../lib/errors.ts';
import { QLL_DEFAULTS, checkQllConfig, type QllConfig } from '../../lib/qll/config.ts';
import { runQllExperiment } from '../../lib/qll/experiment.ts';
import { describeLambda } from '../../lib/qll/mixing.ts';
import { isQllMethodName } from '../../lib/qll/methodNames.ts';
import { priorFromParam } from '../../lib/qll/variants.ts';
import { loadShippedMnist, useNodeWasmBackend } from '../../lib/train/node.ts';

/**
 * `npm run cli -- qll --method cpu|ce|soft|smooth --mix 0.5 --epochs 5 --seed 0`: one Quantized
 * Label Learning run on the shipped MNIST, tfjs wasm backend; prints the metrics as one JSON line.
 * CPU risk: `--surrogate logistic|sigmoid --prior mixing|<π> --beta 0 --gamma 1` (docs/qll.md).
 */
const FLAGS = {
  method: QLL_DEFAULTS.method as string,
  mix: QLL_DEFAULTS.mixFraction,
  epochs: QLL_DEFAULTS.epochs,
  seed: QLL_DEFAULTS.seed,
  batch: QLL_DEFAULTS.batchSize,
  lr: QLL_DEFAULTS.learningRate,
  'lambda-lo': 0.3,
  'lambda-hi': 0.7,
  model: 'mlp',
  hidden: '256',
  smoothing: QLL_DEFAULTS.smoothing,
  beta: QLL_DEFAULTS.nnpu.beta,
  gamma: QLL_DEFAULTS.nnpu.gamma,
  surrogate: QLL_DEFAULTS.nnpu.surrogate as string,
  prior: String(QLL_DEFAULTS.nnpu.prior),
  quiet: false,
};

export function configFromFlags(argv: string[]): QllConfig {
  const flags = parseFlags(argv, FLAGS);
  if (!isQllMethodName(flags.method)) throw new InputError(`--method must be one of cpu, ce, soft, smooth, got "${flags.method}"`);
  const hidden = flags.hidden === '' ? [] : flags.hidden.split(',').map(Number);
  if (flags.model !== 'mlp' && flags.model !== 'cnn') throw new InputError(`--model must be mlp or cnn, got "${flags.model}"`);
  return checkQllConfig({
    ...QLL_DEFAULTS,
    method: flags.method,
    mixFraction: flags.mix,
    lambda: { kind: 'uniform', lo: flags['lambda-lo'], hi: flags['lambda-hi'] },
    model: flags.model === 'cnn' ? { kind: 'cnn', filters: [8, 16], kernelSize: 3, hidden } : { kind: 'mlp', hidden },
    epochs: flags.epochs,
    seed: flags.seed,
    batchSize: flags.batch,
    learningRate: flags.lr,
    smoothing: flags.smoothing,
    nnpu: { beta: flags.beta, gamma: flags.gamma, surrogate: flags.surrogate as QllConfig['nnpu']['surrogate'], prior: priorFromParam(flags.prior) },
  });
}

export async function run(argv: string[]) {
  const config = configFromFlags(argv);
  const quiet = argv.includes('--quiet');
  const backend = await useNodeWasmBackend();
  const data = await loadShippedMnist();
  const result = await runQllExperiment(data, config, {
    onEpoch: (epoch) => {
      if (quiet) return;
      const { validationAccuracy, validationKl } = epoch.metrics;
      process.stderr.write(`epoch ${epoch.epoch}/${config.epochs}: train loss ${epoch.trainLoss.toFixed(4)}, validation accuracy ${validationAccuracy.toFixed(4)}, validation KL ${validationKl.toFixed(4)} (${epoch.seconds.toFixed(1)} s)\n`);
    },
  });
  return {
    method: config.method,
    mix: config.mixFraction,
    lambda: describeLambda(config.lambda),
    epochs: config.epochs,
    seed: config.seed,
    model: config.model,
    ...(config.method === 'cpu' ? { nnpu: config.nnpu, cpuPriors: result.cpuPriors } : {}),
    backend,
    ...result.metrics,
    counts: result.counts,
    validation: result.epochs.map((epoch) => ({ epoch: epoch.epoch, trainLoss: epoch.trainLoss, ...epoch.metrics })),
    seconds: result.seconds,
    stepsPerSecond: result.stepsPerSecond,
  };
}
