import type * as tf from '@tensorflow/tfjs';
import type { RunControl } from './control.ts';
import type { TrainingLoss } from './losses.ts';
import type { NamedTensor } from './namedTensor.ts';
import { trainModel, type OptimizerSpec, type TrainData } from './trainer.ts';
import { readWeights, writeWeights } from './weights.ts';

/**
 * Federated averaging (McMahan et al. 2017, "Communication-efficient learning of deep networks from
 * decentralized data"): each round, every client starts from the global weights, trains locally, and
 * the server replaces the global weights by the clients' weights averaged with weights n_c / Σ n.
 */
export function averageWeights(clients: readonly NamedTensor[][], sampleCounts: readonly number[]): NamedTensor[] {
  if (clients.length === 0) throw new RangeError('averageWeights: no clients');
  if (clients.length !== sampleCounts.length) throw new RangeError(`averageWeights: ${clients.length} clients, ${sampleCounts.length} sample counts`);
  const total = sampleCounts.reduce((sum, count) => sum + count, 0);
  if (!(total > 0)) throw new RangeError('averageWeights: the clients hold no samples');
  return clients[0].map((first, w) => {
    const values = new Float32Array(first.values.length);
    clients.forEach((client, c) => {
      const tensor = client[w];
      if (tensor.name !== first.name || tensor.values.length !== first.values.length) {
        throw new RangeError(`averageWeights: client ${c} has ${tensor.name} [${tensor.values.length}] where client 0 has ${first.name} [${first.values.length}]`);
      }
      const share = sampleCounts[c] / total;
      for (let i = 0; i < values.length; i++) values[i] += share * tensor.values[i];
    });
    return { name: first.name, shape: first.shape.slice(), values };
  });
}

export interface FedAvgRoundOptions {
  /** The global model: read at the start of the round, overwritten with the average at its end. */
  model: tf.LayersModel;
  loss: TrainingLoss;
  clients: readonly TrainData[];
  localEpochs: number;
  batchSize: number;
  optimizer: OptimizerSpec;
  /** Seeds each client's shuffling (client c uses seed + c). */
  seed: number;
  control?: RunControl;
}

export interface FedAvgRoundResult {
  weights: NamedTensor[];
  /** Mean training loss of each client's last local epoch. */
  clientLosses: number[];
}

export async function fedAvgRound(options: FedAvgRoundOptions): Promise<FedAvgRoundResult> {
  const { model, clients } = options;
  const global = await readWeights(model);
  const trained: NamedTensor[][] = [];
  const clientLosses: number[] = [];
  for (let c = 0; c < clients.length; c++) {
    writeWeights(model, global);
    const summary = await trainModel({
      model,
      loss: options.loss,
      data: clients[c],
      optimizer: options.optimizer,
      epochs: options.localEpochs,
      batchSize: options.batchSize,
      seed: options.seed + c,
      control: options.control,
    });
    trained.push(await readWeights(model));
    clientLosses.push(summary.epochs.at(-1)?.trainLoss ?? Number.NaN);
  }
  const weights = averageWeights(trained, clients.map((client) => client.count));
  writeWeights(model, weights);
  return { weights, clientLosses };
}
