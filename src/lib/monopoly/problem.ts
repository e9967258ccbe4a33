import { InputError } from '../errors.ts';
import type { CityGraph, SparseRows } from './graph.ts';
import type { Facilities, Houses } from './types.ts';

/**
 * Everything one estimation needs, as plain typed arrays (so it can be cloned into workers):
 * standardised attributes, log prices, which houses train, and the leave-one-out neighbour averaging
 * operator A (a_ik = w_ik / Σ_k' w_ik' over house i's neighbours k that are training houses, k ≠ i).
 */
export interface MonopolyProblem {
  houseCount: number;
  attributeCount: number;
  facilityCount: number;
  /** Standardised attributes [n, p] (training mean 0, SD 1). */
  x: Float64Array;
  attributeMean: Float64Array;
  attributeSd: Float64Array;
  /** Log price; NaN where unknown. */
  logPrice: Float64Array;
  /** Indices of the training houses (known price, in the train split). */
  trainIndex: Uint32Array;
  houseFacility: SparseRows;
  /** Row-normalised weights over training neighbours only. */
  neighbourAverage: { offsets: Uint32Array; index: Uint32Array; weight: Float64Array };
}

export function buildProblem(houses: Houses, facilities: Facilities, graph: CityGraph, isTrain: (i: number) => boolean): MonopolyProblem {
  const n = houses.ids.length;
  const p = houses.attributeNames.length;
  const logPrice = houses.price.map((price) => Math.log(price));
  const train: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(logPrice[i]) && isTrain(i)) train.push(i);
  if (train.length < p + 2) throw new InputError(`only ${train.length} houses with a known price to train on`, `need at least ${p + 2} for ${p} attributes`);
  const attributeMean = new Float64Array(p);
  const attributeSd = new Float64Array(p);
  for (let c = 0; c < p; c++) {
    let sum = 0;
    let sumSq = 0;
    for (const i of train) {
      const v = houses.attributes[i * p + c];
      sum += v;
      sumSq += v * v;
    }
    attributeMean[c] = sum / train.length;
    const variance = sumSq / train.length - attributeMean[c] ** 2;
    attributeSd[c] = variance > 1e-12 * (1 + attributeMean[c] ** 2) ? Math.sqrt(variance) : 1;
  }
  const x = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let c = 0; c < p; c++) x[i * p + c] = (houses.attributes[i * p + c] - attributeMean[c]) / attributeSd[c];

  const isTrainHouse = new Uint8Array(n);
  for (const i of train) isTrainHouse[i] = 1;
  const { houseHouse } = graph;
  const offsets = new Uint32Array(n + 1);
  const index: number[] = [];
  const weight: number[] = [];
  for (let i = 0; i < n; i++) {
    let total = 0;
    const start = index.length;
    for (let e = houseHouse.offsets[i]; e < houseHouse.offsets[i + 1]; e++) {
      const k = houseHouse.index[e];
      if (!isTrainHouse[k] || k === i) continue;
      index.push(k);
      weight.push(houseHouse.weight[e]);
      total += houseHouse.weight[e];
    }
    for (let e = start; e < index.length; e++) weight[e] /= total;
    offsets[i + 1] = index.length;
  }
  return {
    houseCount: n,
    attributeCount: p,
    facilityCount: facilities.ids.length,
    x,
    attributeMean,
    attributeSd,
    logPrice,
    trainIndex: Uint32Array.from(train),
    houseFacility: graph.houseFacility,
    neighbourAverage: { offsets, index: Uint32Array.from(index), weight: Float64Array.from(weight) },
  };
}
