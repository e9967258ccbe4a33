import { InputError } from '../errors.ts';
import { DEFAULT_CNN, DEFAULT_MLP, type ModelSpec } from '../train/models.ts';
import { ATTACK_NAMES, isAttackName, type AttackName } from './attacks/index.ts';
import { checkDefense, type DefenseSpec } from './defenses.ts';

/**
 * One run of the privacy lab: the federation and its training stage (what the server's model has
 * learnt before the attack), the victim's batch size, the defense, the attacks, the number of trials.
 * The same object drives the page (its URL hash), the worker, the CLI and the study script.
 */
export type ModelKind = 'mlp' | 'cnn';

/** The platform's default models: an MLP 784-256-10 and a CNN 8-16 k3 with a 64-unit hidden layer. */
export const MODEL_SPECS: Record<ModelKind, ModelSpec> = { mlp: DEFAULT_MLP, cnn: DEFAULT_CNN };

export type Partition = { kind: 'iid' } | { kind: 'dirichlet'; alpha: number };

export interface FederationSpec {
  clients: number;
  partition: Partition;
  /** Labelled images the attacker holds (disjoint from every client's), stratified by class. */
  auxSize: number;
  /** Held-out images on which the global model's accuracy is reported. */
  testSize: number;
  /** FedAvg rounds before the attack: 0 attacks the untrained model. */
  rounds: number;
  localEpochs: number;
  localBatchSize: number;
  /** Plain SGD, as in FedAvg. */
  learningRate: number;
}

export interface GdbrConfig {
  model: ModelKind;
  federation: FederationSpec;
  /** B: the victim's batch, 1…256. */
  batchSize: number;
  /** E: the victim's local SGD steps on its batch before it shares its update (localUpdate.ts);
   *  1 shares the single-batch gradient. */
  localSteps: number;
  defense: DefenseSpec;
  attacks: AttackName[];
  trials: number;
  /** One seed fixes the split, the partition, the initial weights, the training, the batches and the noise. */
  seed: number;
}

export const FEDERATION_DEFAULTS: FederationSpec = {
  clients: 10,
  partition: { kind: 'iid' },
  auxSize: 1000,
  testSize: 1000,
  rounds: 0,
  localEpochs: 1,
  localBatchSize: 32,
  learningRate: 0.1,
};

export const GDBR_DEFAULTS: GdbrConfig = {
  model: 'mlp',
  federation: FEDERATION_DEFAULTS,
  batchSize: 64,
  localSteps: 1,
  defense: { lastLayer: 'withheld', pruneRatio: 0, noiseSigma: 0 },
  attacks: [...ATTACK_NAMES],
  trials: 20,
  seed: 0,
};

export const MAX_BATCH = 256;
export const MAX_LOCAL_STEPS = 10;

/** Throws an InputError naming the first setting that is out of range. */
export function checkGdbrConfig(config: GdbrConfig): GdbrConfig {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new InputError(`${field} is out of range`, `expected ${expected}, got ${String(got)}`);
  };
  const wholeIn = (value: number, lo: number, hi: number) => Number.isInteger(value) && value >= lo && value <= hi;
  if (!(config.model in MODEL_SPECS)) fail('model', 'mlp or cnn', config.model);
  if (!wholeIn(config.batchSize, 1, MAX_BATCH)) fail('batch size', `a whole number in 1…${MAX_BATCH}`, config.batchSize);
  if (!wholeIn(config.localSteps, 1, MAX_LOCAL_STEPS)) fail('local steps', `a whole number in 1…${MAX_LOCAL_STEPS}`, config.localSteps);
  if (!wholeIn(config.trials, 1, 1000)) fail('trials', 'a whole number in 1…1000', config.trials);
  if (!wholeIn(config.seed, 0, 2 ** 32 - 1)) fail('seed', 'a whole number ≥ 0', config.seed);
  if (config.attacks.length === 0) fail('attacks', 'at least one attack', 'none');
  for (const name of config.attacks) if (!isAttackName(name)) fail('attack', ATTACK_NAMES.join(', '), name);
  checkDefense(config.defense);
  const f = config.federation;
  if (!wholeIn(f.clients, 1, 100)) fail('clients', 'a whole number in 1…100', f.clients);
  if (f.partition.kind === 'dirichlet' && !(f.partition.alpha > 0 && Number.isFinite(f.partition.alpha))) fail('Dirichlet α', 'a number > 0', f.partition.alpha);
  if (!wholeIn(f.auxSize, 10, 5000)) fail('auxiliary set size', 'a whole number in 10…5000', f.auxSize);
  if (!wholeIn(f.testSize, 10, 5000)) fail('test set size', 'a whole number in 10…5000', f.testSize);
  if (!wholeIn(f.rounds, 0, 100)) fail('FedAvg rounds', 'a whole number in 0…100', f.rounds);
  if (!wholeIn(f.localEpochs, 1, 20)) fail('local epochs', 'a whole number in 1…20', f.localEpochs);
  if (!wholeIn(f.localBatchSize, 1, 1024)) fail('local batch size', 'a whole number in 1…1024', f.localBatchSize);
  if (!(f.learningRate > 0 && f.learningRate <= 10)) fail('learning rate', 'a number in (0, 10]', f.learningRate);
  return config;
}

export function describePartition(partition: Partition): string {
  return partition.kind === 'iid' ? 'IID' : `Dirichlet α = ${partition.alpha}`;
}
