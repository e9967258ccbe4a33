import type * as tf from '@tensorflow/tfjs';
import { RunControl } from '../train/control.ts';
import { fedAvgRound } from '../train/fedAvg.ts';
import { oneHot, pixelsPerImage, type ImageSet } from '../train/imageSet.ts';
import { softmaxCrossEntropy } from '../train/losses.ts';
import { accuracy, argmaxRows } from '../train/metrics/index.ts';
import type { NamedTensor } from '../train/namedTensor.ts';
import { predictLogits } from '../train/predict.ts';
import type { TrainData } from '../train/trainer.ts';
import { readWeights, writeWeights } from '../train/weights.ts';
import type { FederationSpec, ModelKind } from './config.ts';
import type { Federation } from './federation.ts';
import type { WeightCache } from './weightCache.ts';

/**
 * Brings the global model to its training stage: `rounds` FedAvg rounds over all clients from the
 * seeded initial weights. Every round's weights are cached under a key of everything that made them,
 * so asking for round 5 after round 3 trains two rounds, and a stage sweep trains each round once.
 */
export interface StageOptions {
  modelKind: ModelKind;
  spec: FederationSpec;
  /** The run's seed (the key; the model's initial weights already come from it). */
  seed: number;
  /** Seeds the clients' shuffling. */
  trainingSeed: number;
  cache?: WeightCache;
  control?: RunControl;
  /** After each local training step of each client, over all rounds trained here (not cached ones). */
  onStep?: (done: number, total: number) => void;
}

/**
 * The platform's trainer calls `checkpoint()` after every step and every epoch; counting those calls
 * gives FedAvg a progress finer than whole rounds without touching the trainer.
 */
class CountingControl extends RunControl {
  constructor(
    private readonly inner: RunControl | undefined,
    private readonly tick: () => void,
  ) {
    super(inner?.cancel);
  }

  override async checkpoint(): Promise<void> {
    this.tick();
    await (this.inner ? this.inner.checkpoint() : super.checkpoint());
  }
}

export function stageKey(options: Pick<StageOptions, 'modelKind' | 'spec' | 'seed'>, round: number): string {
  // The target stage is not part of the key: round r's weights are the same whatever comes after.
  return JSON.stringify({ gdbrStage: 1, model: options.modelKind, federation: { ...options.spec, rounds: undefined }, seed: options.seed, round });
}

export async function trainToStage(model: tf.LayersModel, federation: Federation, options: StageOptions): Promise<NamedTensor[]> {
  const { spec, cache } = options;
  let weights = await readWeights(model);
  let startRound = 0;
  for (let round = spec.rounds; round >= 1 && cache; round--) {
    const cached = await cache.get(stageKey(options, round));
    if (cached) {
      weights = cached;
      startRound = round;
      break;
    }
  }
  writeWeights(model, weights);
  const clients = federation.clients.map(trainData);
  const checkpointsPerRound = clients.reduce((sum, client) => sum + (Math.ceil(client.count / spec.localBatchSize) + 1) * spec.localEpochs, 0);
  const total = checkpointsPerRound * (spec.rounds - startRound);
  let done = 0;
  const control = new CountingControl(options.control, () => options.onStep?.(++done, total));
  for (let round = startRound + 1; round <= spec.rounds; round++) {
    const result = await fedAvgRound({
      model,
      loss: softmaxCrossEntropy,
      clients,
      localEpochs: spec.localEpochs,
      batchSize: spec.localBatchSize,
      optimizer: { kind: 'sgd', learningRate: spec.learningRate },
      seed: options.trainingSeed + 1000 * round,
      control,
    });
    weights = result.weights;
    await cache?.set(stageKey(options, round), weights);
  }
  return weights;
}

export function trainData(set: ImageSet): TrainData {
  return { inputs: set.pixels, targets: oneHot(set.labels, set.classes), count: set.count, inputSize: pixelsPerImage(set), targetSize: set.classes };
}

/** Top-1 accuracy of the model on a labelled set. */
export async function modelAccuracy(model: tf.LayersModel, set: ImageSet): Promise<number> {
  const logits = await predictLogits(model, set.pixels, pixelsPerImage(set));
  return accuracy(argmaxRows(logits, set.classes), set.labels);
}
