import KDBush from 'kdbush';
import { around } from 'geokdbush';
import { haversineM } from './haversine.ts';
import type { Facilities, Houses } from './types.ts';

/** Sparse rows (CSR): row i's neighbours are `index[offsets[i] .. offsets[i+1])` with `weight` and `distanceM`. */
export interface SparseRows {
  offsets: Uint32Array;
  index: Uint32Array;
  weight: Float64Array;
  distanceM: Float64Array;
}

/** The city graph: house–facility and house–house edges within `radiusM`, weight w(d) = exp(−d/τ). */
export interface CityGraph {
  houseFacility: SparseRows;
  houseHouse: SparseRows;
}

export interface GraphOptions {
  /** Edge radius R in metres (issue default 2000 m). */
  radiusM: number;
  /** Decay length τ of w(d) = exp(−d/τ), metres (default 1000 m). */
  tauM: number;
  /**
   * Cap on house–house edges per house (nearest first). Dense downtown blocks have thousands of houses
   * within 2 km; the nearest few dozen carry almost all the weight and keep the graph O(N).
   */
  maxHouseNeighbours: number;
}

export const GRAPH_DEFAULTS: GraphOptions = { radiusM: 2000, tauM: 1000, maxHouseNeighbours: 50 };

export function edgeWeight(distanceM: number, tauM: number): number {
  return Math.exp(-distanceM / tauM);
}

function pointIndex(lat: Float64Array, lon: Float64Array): KDBush {
  const index = new KDBush(Math.max(1, lat.length));
  for (let i = 0; i < lat.length; i++) index.add(lon[i], lat[i]);
  if (lat.length === 0) index.add(0, 90);
  return index.finish();
}

function gatherRows(
  count: number,
  neighbours: (i: number) => number[],
  distance: (i: number, j: number) => number,
  tauM: number,
  radiusM: number,
): SparseRows {
  const offsets = new Uint32Array(count + 1);
  const index: number[] = [];
  const distances: number[] = [];
  for (let i = 0; i < count; i++) {
    for (const j of neighbours(i)) {
      const d = distance(i, j);
      // geokdbush and haversineM share the sphere; the check keeps the edge set exactly "d ≤ R".
      if (d <= radiusM) {
        index.push(j);
        distances.push(d);
      }
    }
    offsets[i + 1] = index.length;
  }
  const distanceM = Float64Array.from(distances);
  return { offsets, index: Uint32Array.from(index), distanceM, weight: distanceM.map((d) => edgeWeight(d, tauM)) };
}

export function buildCityGraph(houses: Houses, facilities: Facilities, options: GraphOptions = GRAPH_DEFAULTS): CityGraph {
  if (!(options.radiusM > 0) || !(options.tauM > 0)) throw new RangeError('radiusM and tauM must be > 0');
  const n = houses.ids.length;
  const radiusKm = options.radiusM / 1000;
  const facilityIndex = pointIndex(facilities.lat, facilities.lon);
  const houseIndex = pointIndex(houses.lat, houses.lon);
  const facilityCount = facilities.ids.length;
  const houseFacility = gatherRows(
    n,
    (i) => (facilityCount === 0 ? [] : around(facilityIndex, houses.lon[i], houses.lat[i], Infinity, radiusKm)),
    (i, j) => haversineM(houses.lat[i], houses.lon[i], facilities.lat[j], facilities.lon[j]),
    options.tauM,
    options.radiusM,
  );
  const houseHouse = gatherRows(
    n,
    (i) => around(houseIndex, houses.lon[i], houses.lat[i], options.maxHouseNeighbours, radiusKm, (j) => j !== i),
    (i, j) => haversineM(houses.lat[i], houses.lon[i], houses.lat[j], houses.lon[j]),
    options.tauM,
    options.radiusM,
  );
  return { houseFacility, houseHouse };
}
