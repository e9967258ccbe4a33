import * as tf from '@tensorflow/tfjs';
import type { RunControl } from '../train/control.ts';
import { batchGradients } from '../train/gradients.ts';
import { classCounts, oneHot, pixelsPerImage, subsetImages, type ImageSet } from '../train/imageSet.ts';
import { softmaxCrossEntropy } from '../train/losses.ts';
import { buildModel } from '../train/models.ts';
import type { NamedTensor } from '../train/namedTensor.ts';
import { writeWeights } from '../train/weights.ts';
import { Rng } from '../util/random.ts';
import type { Progress } from '../progress.ts';
import { headActivations } from './activations.ts';
import { findAttack, type AttackContext, type AttackName } from './attacks/index.ts';
import { bridgeMeanGradient } from './attacks/gdbr.ts';
import { auxStatistics, type AuxStats } from './auxStats.ts';
import { checkGdbrConfig, MODEL_SPECS, type GdbrConfig } from './config.ts';
import { countLabels } from './counts.ts';
import { applyDefense, lastLayerVisible } from './defenses.ts';
import { buildFederation, chooseVictim, type Federation } from './federation.ts';
import { headFromWeights, headLayout, weightName, type HeadLayout, type HeadWeights } from './head.ts';
import { personalizeHead } from './localHead.ts';
import { localUpdate } from './localUpdate.ts';
import { recoveryMetrics, summarizeMetrics, type MetricSummary, type RecoveryMetrics } from './metrics.ts';
import { modelAccuracy, trainToStage } from './stage.ts';
import type { WeightCache } from './weightCache.ts';

/**
 * The lab's run, in two parts. A *scenario* is what exists before any attack: the federation, the
 * global model at its training stage, and the attacker's statistics of its auxiliary data through
 * that model. *Trials* then draw victim batches, compute the client's gradient (tfjs autodiff on the
 * whole model), pass it through the defense, and let every attack recover the batch's label counts.
 */
export interface GdbrHooks {
  control?: RunControl;
  progress?: (progress: Progress) => void;
  cache?: WeightCache;
}

export interface Scenario {
  /** What the scenario was built from: runs with the same key can share it. */
  key: string;
  federation: Federation;
  model: tf.LayersModel;
  layout: HeadLayout;
  globalWeights: NamedTensor[];
  /** The global model's head: what the server knows. */
  head: HeadWeights;
  aux: AuxStats;
  testAccuracy: number;
}

export function scenarioKey(config: GdbrConfig): string {
  return JSON.stringify({ model: config.model, federation: config.federation, seed: config.seed });
}

/** Independent seeds for each random choice of a run, all fixed by `config.seed`. */
function runSeeds(seed: number) {
  const rng = new Rng(seed);
  return { split: rng.nextUint32(), init: rng.nextUint32(), training: rng.nextUint32(), batches: rng.nextUint32(), noise: rng.nextUint32(), dummies: rng.nextUint32() };
}

/** LLG*'s dummy inputs: uniform noise images, as many as this. */
const DUMMY_INPUTS = 256;

export async function prepareScenario(data: ImageSet, config: GdbrConfig, hooks: GdbrHooks = {}): Promise<Scenario> {
  checkGdbrConfig(config);
  const seeds = runSeeds(config.seed);
  const spec = MODEL_SPECS[config.model];
  const layout = headLayout(spec);
  const federation = buildFederation(data, config.federation, seeds.split);
  const model = buildModel(spec, { height: data.height, width: data.width, classes: data.classes }, seeds.init);
  try {
    const rounds = config.federation.rounds;
    const phase = `FedAvg training (${rounds} round${rounds === 1 ? '' : 's'}, ${config.federation.clients} clients)`;
    const globalWeights = await trainToStage(model, federation, {
      modelKind: config.model,
      spec: config.federation,
      seed: config.seed,
      trainingSeed: seeds.training,
      cache: hooks.cache,
      control: hooks.control,
      onStep: (done, total) => hooks.progress?.({ phase, done, total }),
    });
    hooks.progress?.({ phase: 'Auxiliary statistics', done: 0, total: 1 });
    const head = headFromWeights(globalWeights, layout);
    const dummyPixels = new Rng(seeds.dummies).fillUniform(new Float32Array(DUMMY_INPUTS * pixelsPerImage(data)), 0, 1);
    const aux = auxStatistics(head, await headActivations(model, layout, federation.aux.pixels), federation.aux.labels, await headActivations(model, layout, dummyPixels));
    const testAccuracy = await modelAccuracy(model, federation.test);
    hooks.progress?.({ phase: 'Auxiliary statistics', done: 1, total: 1 });
    return { key: scenarioKey(config), federation, model, layout, globalWeights, head, aux, testAccuracy };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

export function disposeScenario(scenario: Scenario): void {
  scenario.model.dispose();
}

/** How an attack ran: on what the defense let through, or — for a baseline the defense stops — on the
 *  same batch's gradient with the last layer visible, as a reference. */
export type AttackMode = 'attack' | 'reference';

export interface AttackOutcome {
  attack: AttackName;
  mode: AttackMode;
  counts: number[];
  metrics: RecoveryMetrics;
}

export interface TrialRecord {
  trial: number;
  /** True label counts of the batch [C]. */
  truth: number[];
  outcomes: AttackOutcome[];
  /** ḡ = ∇b_L, the true mean output gradient [C] (with local steps: that entry of G). */
  trueMeanGradient: number[];
  /** GDBR's estimate of ḡ from layer L−1 (gdbr.ts) [C]. */
  bridgedMeanGradient: number[];
}

export interface AttackSummary {
  attack: AttackName;
  label: string;
  mode: AttackMode;
  metrics: Record<keyof RecoveryMetrics, MetricSummary>;
}

export interface GdbrResult {
  config: GdbrConfig;
  summaries: AttackSummary[];
  trials: TrialRecord[];
  victim: { client: number; images: number; classCounts: number[] };
  testAccuracy: number;
  backend: string;
  seconds: number;
}

export async function runTrials(scenario: Scenario, config: GdbrConfig, hooks: GdbrHooks = {}): Promise<GdbrResult> {
  checkGdbrConfig(config);
  if (scenario.key !== scenarioKey(config)) throw new RangeError('runTrials: the scenario was built for other settings');
  const startedMs = performance.now();
  const seeds = runSeeds(config.seed);
  const { model, layout, federation } = scenario;
  const B = config.batchSize;
  const victimIndex = chooseVictim(federation, B);
  const victim = federation.clients[victimIndex];
  const attacks = config.attacks.map((name) => findAttack(name)!);
  const visible = lastLayerVisible(config.defense);
  const batchRng = new Rng(seeds.batches);
  const noiseRng = new Rng(seeds.noise);
  const trials: TrialRecord[] = [];
  const victimHead = config.defense.lastLayer === 'local'
    ? personalizeHead(scenario.head, await headActivations(model, layout, victim.pixels), victim.labels)
    : undefined;
  if (victimHead) writeHead(model, scenario.globalWeights, layout, victimHead);
  try {
    for (let t = 0; t < config.trials; t++) {
      hooks.progress?.({ phase: 'Trials', done: t, total: config.trials });
      const batch = subsetImages(victim, drawDistinct(batchRng, victim.count, B));
      // E = 1: the single-batch gradient at the global weights; E > 1: the local-update client's
      // update, read as a gradient, G = −Δ / (η E) (localUpdate.ts).
      const gradients = config.localSteps === 1
        ? await batchGradients(model, softmaxCrossEntropy, {
            inputs: batch.pixels,
            targets: oneHot(batch.labels, batch.classes),
            inputSize: pixelsPerImage(batch),
            targetSize: batch.classes,
          })
        : (await localUpdate(model, batch, { steps: config.localSteps, learningRate: config.federation.learningRate })).pseudoGradient;
      const truth = countLabels(batch.labels, batch.classes);
      const context = (lastLayer: 'as-defended' | 'shared'): AttackContext => ({
        observed: applyDefense(gradients, lastLayer === 'shared' ? { ...config.defense, lastLayer: 'shared' } : config.defense, layout, noiseRng),
        layout,
        head: scenario.head,
        aux: scenario.aux,
        batchSize: B,
      });
      const defended = context('as-defended');
      const reference = visible ? defended : context('shared');
      const outcomes = attacks.map((attack): AttackOutcome => {
        const mode: AttackMode = attack.needsLastLayer && !visible ? 'reference' : 'attack';
        const { counts, present } = attack.recover(mode === 'reference' ? reference : defended);
        return { attack: attack.name, mode, counts: Array.from(counts), metrics: recoveryMetrics(truth, counts, present) };
      });
      trials.push({
        trial: t,
        truth: Array.from(truth),
        outcomes,
        trueMeanGradient: Array.from(gradients.find((g) => g.name === weightName.logitBias(layout))!.values),
        bridgedMeanGradient: Array.from(bridgeMeanGradient(defended)),
      });
      await hooks.control?.checkpoint();
    }
  } finally {
    if (victimHead) writeWeights(model, scenario.globalWeights);
  }
  hooks.progress?.({ phase: 'Trials', done: config.trials, total: config.trials });
  const summaries = attacks.map((attack, a): AttackSummary => ({
    attack: attack.name,
    label: attack.label,
    mode: trials[0].outcomes[a].mode,
    metrics: summarizeMetrics(trials.map((trial) => trial.outcomes[a].metrics)),
  }));
  return {
    config,
    summaries,
    trials,
    victim: { client: victimIndex, images: victim.count, classCounts: classCounts(victim.labels, victim.classes) },
    testAccuracy: scenario.testAccuracy,
    backend: tf.getBackend(),
    seconds: (performance.now() - startedMs) / 1000,
  };
}

/** One run end to end: scenario, trials, clean-up. */
export async function runGdbrExperiment(data: ImageSet, config: GdbrConfig, hooks: GdbrHooks = {}): Promise<GdbrResult> {
  const scenario = await prepareScenario(data, config, hooks);
  try {
    return await runTrials(scenario, config, hooks);
  } finally {
    disposeScenario(scenario);
  }
}

/** `count` distinct indices in 0…size−1 (a partial Fisher–Yates shuffle). */
export function drawDistinct(rng: Rng, size: number, count: number): Int32Array {
  if (count > size) throw new RangeError(`drawDistinct: ${count} items from ${size}`);
  const pool = Int32Array.from({ length: size }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(size - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, count);
}

/** The model with `head` in place of the global head (the victim's private one), or back. */
function writeHead(model: tf.LayersModel, globalWeights: readonly NamedTensor[], layout: HeadLayout, head: HeadWeights): void {
  writeWeights(model, globalWeights.map((weight) => {
    if (weight.name === weightName.logitKernel(layout)) return { ...weight, values: head.logitKernel };
    if (weight.name === weightName.logitBias(layout)) return { ...weight, values: head.logitBias };
    return weight;
  }));
}
