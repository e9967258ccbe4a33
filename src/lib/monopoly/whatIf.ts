import type { MonopolyFit } from './estimate.ts';
import { edgeWeight, type GraphOptions } from './graph.ts';
import { haversineM } from './haversine.ts';
import type { MonopolyProblem } from './problem.ts';
import type { Houses } from './types.ts';

/**
 * "What if": the change in every house's predicted log price when a facility is placed or removed, the
 * fitted b, β, θ, γ held fixed. A facility term change Δf_i moves house i directly, and moves the
 * training houses' residuals r_k by −Δf_k, hence the neighbourhood term: Δŷ_i = Δf_i − γ Σ_k a_ik Δf_k.
 */
export type FacilityChange =
  | { kind: 'add'; lat: number; lon: number; theta: number }
  | { kind: 'remove'; facility: number };

export function whatIfDeltaLogPrice(
  problem: MonopolyProblem,
  fit: MonopolyFit,
  houses: Houses,
  graph: Pick<GraphOptions, 'radiusM' | 'tauM'>,
  change: FacilityChange,
): Float64Array {
  const n = problem.houseCount;
  const facilityDelta = new Float64Array(n);
  if (change.kind === 'add') {
    for (let i = 0; i < n; i++) {
      const d = haversineM(houses.lat[i], houses.lon[i], change.lat, change.lon);
      if (d <= graph.radiusM) facilityDelta[i] = edgeWeight(d, graph.tauM) * change.theta;
    }
  } else {
    const theta = fit.phi[1 + problem.attributeCount + change.facility];
    const { offsets, index, weight } = problem.houseFacility;
    for (let i = 0; i < n; i++) {
      for (let e = offsets[i]; e < offsets[i + 1]; e++) if (index[e] === change.facility) facilityDelta[i] -= weight[e] * theta;
    }
  }
  const { offsets, index, weight } = problem.neighbourAverage;
  return Float64Array.from({ length: n }, (_, i) => {
    let neighbour = 0;
    for (let e = offsets[i]; e < offsets[i + 1]; e++) neighbour += weight[e] * facilityDelta[index[e]];
    return facilityDelta[i] - fit.gamma * neighbour;
  });
}
