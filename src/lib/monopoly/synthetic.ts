import { Rng } from '../util/random.ts';
import type { Facilities, Houses } from './types.ts';
import type { CityGraph } from './graph.ts';

/**
 * A seeded synthetic city with planted parameters, for tests (is θ recovered?) and benchmarks (10⁵–10⁶
 * houses). Houses and facilities are uniform in a square of `sizeM` metres around (47.6°, −122.3°);
 * log price = b + βᵀx + Σ w θ + u with spatially autoregressive noise u = γ·A u + ε, ε ~ N(0, σ²),
 * which is exactly the Monopoly model's structure. `withPrices` says whether prices are filled in;
 * the caller draws u with the graph (see `plantPrices`).
 */
export interface SyntheticCityOptions {
  houses: number;
  facilities: number;
  attributes: number;
  sizeM: number;
  seed: number;
}

export interface SyntheticCity {
  houses: Houses;
  facilities: Facilities;
  theta: Float64Array;
  beta: Float64Array;
  intercept: number;
}

export function syntheticCity(options: SyntheticCityOptions): SyntheticCity {
  const rng = new Rng(options.seed);
  const centreLat = 47.6;
  const centreLon = -122.3;
  const degLat = options.sizeM / 111_195;
  const degLon = degLat / Math.cos((centreLat * Math.PI) / 180);
  const place = (count: number) => ({
    lat: Float64Array.from({ length: count }, () => centreLat + (rng.next() - 0.5) * degLat),
    lon: Float64Array.from({ length: count }, () => centreLon + (rng.next() - 0.5) * degLon),
  });
  const p = options.attributes;
  const houseCoords = place(options.houses);
  const facilityCoords = place(options.facilities);
  const kinds = ['hospital', 'library', 'college', 'station'];
  const facilities: Facilities = {
    ids: Array.from({ length: options.facilities }, (_, j) => `f${j}`),
    ...facilityCoords,
    kind: Array.from({ length: options.facilities }, (_, j) => kinds[j % kinds.length]),
  };
  const attributes = Float64Array.from({ length: options.houses * p }, () => rng.normal());
  const houses: Houses = {
    ids: Array.from({ length: options.houses }, (_, i) => `h${i}`),
    ...houseCoords,
    price: new Float64Array(options.houses).fill(Number.NaN),
    attributeNames: Array.from({ length: p }, (_, c) => `x${c}`),
    attributes,
  };
  return {
    houses,
    facilities,
    theta: Float64Array.from({ length: options.facilities }, () => rng.uniform(-0.4, 0.4)),
    beta: Float64Array.from({ length: p }, () => rng.uniform(-0.3, 0.3)),
    intercept: 12,
  };
}

/** Fills `city.houses.price` from the planted parameters: u solves u = γ·A u + ε (fixed point, |γ| < 1). */
export function plantPrices(city: SyntheticCity, graph: CityGraph, options: { gamma: number; noiseSd: number; seed: number }): void {
  if (!(Math.abs(options.gamma) < 1)) throw new RangeError('plantPrices needs |gamma| < 1');
  const rng = new Rng(options.seed);
  const { houses } = city;
  const n = houses.ids.length;
  const p = houses.attributeNames.length;
  const epsilon = Float64Array.from({ length: n }, () => options.noiseSd * rng.normal());
  let u = Float64Array.from(epsilon);
  const { offsets, index, weight } = graph.houseHouse;
  for (let sweep = 0; sweep < 200; sweep++) {
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let total = 0;
      let sum = 0;
      for (let e = offsets[i]; e < offsets[i + 1]; e++) {
        total += weight[e];
        sum += weight[e] * u[index[e]];
      }
      next[i] = epsilon[i] + (total > 0 ? (options.gamma * sum) / total : 0);
    }
    u = next;
  }
  const hf = graph.houseFacility;
  for (let i = 0; i < n; i++) {
    let logPrice = city.intercept + u[i];
    for (let c = 0; c < p; c++) logPrice += city.beta[c] * houses.attributes[i * p + c];
    for (let e = hf.offsets[i]; e < hf.offsets[i + 1]; e++) logPrice += hf.weight[e] * city.theta[hf.index[e]];
    houses.price[i] = Math.exp(logPrice);
  }
}
