import { neverCancelled, type CancelFlag } from '../cancel.ts';
import { knnBaseline, olsBaseline, olsDistanceBaseline } from './baselines.ts';
import { estimateMonopoly, ESTIMATE_DEFAULTS, localMapper, type EstimateOptions, type IterationRecord, type MonopolyFit, type ShardMapper } from './estimate.ts';
import { buildCityGraph, GRAPH_DEFAULTS, type CityGraph, type GraphOptions } from './graph.ts';
import { priceMetrics, type PriceMetrics } from './metrics.ts';
import { predictLogPrices } from './predict.ts';
import { buildProblem, type MonopolyProblem } from './problem.ts';
import type { Facilities, Houses } from './types.ts';

/** House roles in a split. */
export const TRAIN = 0;
export const TEST = 1;
export const UNUSED = 2;

export interface MonopolyJobInput {
  houses: Houses;
  facilities: Facilities;
  /** Per house: TRAIN, TEST or UNUSED (houses without a price are never trained or scored). */
  role: Uint8Array;
  graph?: GraphOptions;
  estimate?: EstimateOptions;
  /** Builds the map step's runner for the prepared problem (default: in this thread). */
  mapper?: (problem: MonopolyProblem) => ShardMapper | Promise<ShardMapper>;
  onIteration?: (record: IterationRecord) => void;
  cancel?: CancelFlag;
  knnK?: number;
  /** Also fit the two halves of the model alone: θ without γ, and γ without facilities. */
  ablations?: boolean;
}

export interface FacilityPrice {
  id: string;
  kind: string;
  lat: number;
  lon: number;
  theta: number;
  /** Training houses within R of the facility: a θ reached by few houses is poorly determined. */
  houses: number;
}

export interface MonopolyJobResult {
  metrics: Record<string, PriceMetrics>;
  facilities: FacilityPrice[];
  iterations: number;
  converged: boolean;
  gamma: number;
  history: IterationRecord[];
  graphSeconds: number;
  fitSeconds: number;
  /** Predicted prices (not log) by method, every house. */
  predictedPrice: Record<string, Float64Array>;
  problem: MonopolyProblem;
  fit: MonopolyFit;
  cityGraph: CityGraph;
}

function emptyRows(count: number) {
  return { offsets: new Uint32Array(count + 1), index: new Uint32Array(0), weight: new Float64Array(0), distanceM: new Float64Array(0) };
}

export async function runMonopolyJob(input: MonopolyJobInput): Promise<MonopolyJobResult> {
  const { houses, facilities, role } = input;
  const cancel = input.cancel ?? neverCancelled;
  let started = performance.now();
  const cityGraph = buildCityGraph(houses, facilities, input.graph ?? GRAPH_DEFAULTS);
  const problem = buildProblem(houses, facilities, cityGraph, (i) => role[i] === TRAIN);
  const graphSeconds = (performance.now() - started) / 1000;
  cancel.throwIfCancelled();
  started = performance.now();
  const mapper = input.mapper ? await input.mapper(problem) : localMapper(problem);
  const fit = await estimateMonopoly(problem, input.estimate ?? ESTIMATE_DEFAULTS, mapper, input.onIteration, cancel);
  const fitSeconds = (performance.now() - started) / 1000;
  const logPredictions: Record<string, Float64Array> = {
    monopoly: predictLogPrices(problem, fit),
    ols: olsBaseline(problem),
    'ols+distance': olsDistanceBaseline(problem, houses, facilities),
    knn: knnBaseline(problem, houses, input.knnK ?? 10),
  };
  if (input.ablations) {
    const options = input.estimate ?? ESTIMATE_DEFAULTS;
    const facilitiesOnly = await estimateMonopoly(problem, { ...options, neighbourTerm: false }, mapper, undefined, cancel);
    logPredictions['monopoly-facilities-only'] = predictLogPrices(problem, facilitiesOnly);
    const noFacilities: Facilities = { ids: [], lat: new Float64Array(0), lon: new Float64Array(0), kind: [] };
    const neighbourProblem = buildProblem(houses, noFacilities, { ...cityGraph, houseFacility: emptyRows(houses.ids.length) }, (i) => role[i] === TRAIN);
    const neighboursOnly = await estimateMonopoly(neighbourProblem, options, localMapper(neighbourProblem), undefined, cancel);
    logPredictions['monopoly-neighbours-only'] = predictLogPrices(neighbourProblem, neighboursOnly);
  }
  const test: number[] = [];
  for (let i = 0; i < houses.ids.length; i++) if (role[i] === TEST && Number.isFinite(houses.price[i])) test.push(i);
  const predictedPrice: Record<string, Float64Array> = {};
  const metrics: Record<string, PriceMetrics> = {};
  for (const [name, logPrice] of Object.entries(logPredictions)) {
    predictedPrice[name] = logPrice.map(Math.exp);
    if (test.length > 0) metrics[name] = priceMetrics(test.map((i) => houses.price[i]), test.map((i) => predictedPrice[name][i]));
  }
  const reach = new Uint32Array(facilities.ids.length);
  const { offsets, index } = cityGraph.houseFacility;
  for (const i of problem.trainIndex) for (let e = offsets[i]; e < offsets[i + 1]; e++) reach[index[e]]++;
  const thetaStart = 1 + problem.attributeCount;
  const facilityPrices = facilities.ids.map((id, j) => ({
    id, kind: facilities.kind[j], lat: facilities.lat[j], lon: facilities.lon[j], theta: fit.phi[thetaStart + j], houses: reach[j],
  }));
  return {
    metrics, facilities: facilityPrices, iterations: fit.history.length, converged: fit.converged, gamma: fit.gamma,
    history: fit.history, graphSeconds, fitSeconds, predictedPrice, problem, fit, cityGraph,
  };
}
