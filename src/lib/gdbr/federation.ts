import { InputError } from '../errors.ts';
import { subsetImages, type ImageSet } from '../train/imageSet.ts';
import { partitionDirichlet, partitionIid } from '../train/partition.ts';
import { splitIndices } from '../train/split.ts';
import type { FederationSpec } from './config.ts';

/**
 * The simulated federation on the shipped MNIST: the attacker's auxiliary set and a test set are cut
 * off first (stratified), and the rest is dealt to the clients, IID or skewed by a Dirichlet(α)
 * over classes. No image is in two places, so the auxiliary data never overlaps a victim's.
 */
export interface Federation {
  aux: ImageSet;
  test: ImageSet;
  clients: ImageSet[];
}

export function buildFederation(data: ImageSet, spec: FederationSpec, seed: number): Federation {
  if (spec.auxSize + spec.testSize + spec.clients > data.count) {
    throw new InputError(`${data.count} images cannot hold an auxiliary set of ${spec.auxSize}, a test set of ${spec.testSize} and ${spec.clients} clients`);
  }
  const auxShare = spec.auxSize / data.count;
  const testShare = spec.testSize / data.count;
  const parts = splitIndices(data.count, { aux: auxShare, test: testShare, pool: 1 - auxShare - testShare }, { seed, labels: data.labels });
  const pool = parts.pool;
  const partitionSeed = seed + 1;
  const clientIndices = spec.partition.kind === 'iid'
    ? partitionIid(pool, spec.clients, partitionSeed)
    : partitionDirichlet(pool, data.labels, { clients: spec.clients, alpha: spec.partition.alpha, seed: partitionSeed });
  return {
    aux: subsetImages(data, parts.aux),
    test: subsetImages(data, parts.test),
    clients: clientIndices.map((indices) => subsetImages(data, indices)),
  };
}

/** The victim: client 0, or the first client after it that holds at least a batch. */
export function chooseVictim(federation: Federation, batchSize: number): number {
  const victim = federation.clients.findIndex((client) => client.count >= batchSize);
  if (victim < 0) {
    const largest = Math.max(...federation.clients.map((client) => client.count));
    throw new InputError(`no client holds a batch of ${batchSize}`, `the largest client has ${largest} images; use fewer clients, a milder skew or a smaller batch`);
  }
  return victim;
}
