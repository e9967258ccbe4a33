import KDBush from 'kdbush';
import { around } from 'geokdbush';
import { haversineM } from './haversine.ts';
import type { MonopolyProblem } from './problem.ts';
import { leastSquares } from './solve.ts';
import type { Facilities, Houses } from './types.ts';

/** Baselines on the same split; each returns predicted log prices for every house. */

/** OLS on the (standardised) attributes with an intercept. */
export function olsBaseline(problem: MonopolyProblem): Float64Array {
  const p = problem.attributeCount;
  const coef = leastSquares(problem.x, p, problem.logPrice, problem.trainIndex);
  return Float64Array.from({ length: problem.houseCount }, (_, i) => {
    let value = coef[0];
    for (let c = 0; c < p; c++) value += coef[1 + c] * problem.x[i * p + c];
    return value;
  });
}

/** Distance (km) from each house to the nearest facility of each kind, via one spatial index per kind. */
export function nearestFacilityKm(houses: Houses, facilities: Facilities): { kinds: string[]; distanceKm: Float64Array } {
  const kinds = [...new Set(facilities.kind)].sort();
  const n = houses.ids.length;
  const distanceKm = new Float64Array(n * kinds.length);
  kinds.forEach((kind, k) => {
    const members = facilities.kind.flatMap((value, j) => (value === kind ? [j] : []));
    const index = new KDBush(members.length);
    for (const j of members) index.add(facilities.lon[j], facilities.lat[j]);
    index.finish();
    for (let i = 0; i < n; i++) {
      const [nearest] = around(index, houses.lon[i], houses.lat[i], 1);
      const j = members[nearest];
      distanceKm[i * kinds.length + k] = haversineM(houses.lat[i], houses.lon[i], facilities.lat[j], facilities.lon[j]) / 1000;
    }
  });
  return { kinds, distanceKm };
}

/** OLS on the attributes plus log(0.1 km + distance to the nearest facility of each kind), standardised on training houses. */
export function olsDistanceBaseline(problem: MonopolyProblem, houses: Houses, facilities: Facilities): Float64Array {
  const { kinds, distanceKm } = nearestFacilityKm(houses, facilities);
  const p = problem.attributeCount;
  const q = p + kinds.length;
  const x = new Float64Array(problem.houseCount * q);
  for (let i = 0; i < problem.houseCount; i++) {
    for (let c = 0; c < p; c++) x[i * q + c] = problem.x[i * p + c];
    for (let k = 0; k < kinds.length; k++) x[i * q + p + k] = Math.log(0.1 + distanceKm[i * kinds.length + k]);
  }
  for (let c = p; c < q; c++) {
    let mean = 0;
    for (const i of problem.trainIndex) mean += x[i * q + c];
    mean /= problem.trainIndex.length;
    let variance = 0;
    for (const i of problem.trainIndex) variance += (x[i * q + c] - mean) ** 2;
    const sd = Math.sqrt(variance / problem.trainIndex.length) || 1;
    for (let i = 0; i < problem.houseCount; i++) x[i * q + c] = (x[i * q + c] - mean) / sd;
  }
  const coef = leastSquares(x, q, problem.logPrice, problem.trainIndex);
  return Float64Array.from({ length: problem.houseCount }, (_, i) => {
    let value = coef[0];
    for (let c = 0; c < q; c++) value += coef[1 + c] * x[i * q + c];
    return value;
  });
}

/** Geographic k-nearest-neighbour: mean log price of the k nearest training houses (excluding the house itself). */
export function knnBaseline(problem: MonopolyProblem, houses: Houses, k = 10): Float64Array {
  const index = new KDBush(problem.trainIndex.length);
  for (const i of problem.trainIndex) index.add(houses.lon[i], houses.lat[i]);
  index.finish();
  return Float64Array.from({ length: problem.houseCount }, (_, i) => {
    const found = around(index, houses.lon[i], houses.lat[i], k, Infinity, (j) => problem.trainIndex[j] !== i);
    return found.reduce((sum, j) => sum + problem.logPrice[problem.trainIndex[j]], 0) / found.length;
  });
}
