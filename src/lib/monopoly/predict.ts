import type { MonopolyFit } from './estimate.ts';
import type { MonopolyProblem } from './problem.ts';
import { designDot, neighbourTerm } from './shardMap.ts';

/** Predicted log price of every house: z_iᵀφ + γ·n_i, with n_i from the training residuals (LOO for training houses). */
export function predictLogPrices(problem: MonopolyProblem, fit: MonopolyFit): Float64Array {
  const out = new Float64Array(problem.houseCount);
  for (let i = 0; i < problem.houseCount; i++) out[i] = designDot(problem, i, fit.phi) + fit.gamma * neighbourTerm(problem, i, fit.residual);
  return out;
}

/** One house's predicted log price, broken into its parts (they sum to the prediction). */
export interface PriceBreakdown {
  intercept: number;
  /** β_c x_ic per attribute (standardised x). */
  attributes: number[];
  /** γ·n_i. */
  neighbourhood: number;
  /** w(d_ij)·θ_j per facility within R. */
  facilities: { facility: number; weight: number; distanceM: number; contribution: number }[];
  logPrice: number;
}

export function explainHouse(problem: MonopolyProblem, fit: MonopolyFit, i: number): PriceBreakdown {
  const p = problem.attributeCount;
  const attributes = Array.from({ length: p }, (_, c) => fit.phi[1 + c] * problem.x[i * p + c]);
  const { offsets, index, weight, distanceM } = problem.houseFacility;
  const facilities = [];
  for (let e = offsets[i]; e < offsets[i + 1]; e++) {
    facilities.push({ facility: index[e], weight: weight[e], distanceM: distanceM[e], contribution: weight[e] * fit.phi[1 + p + index[e]] });
  }
  const neighbourhood = fit.gamma * neighbourTerm(problem, i, fit.residual);
  const logPrice = fit.phi[0] + attributes.reduce((a, b) => a + b, 0) + neighbourhood + facilities.reduce((a, f) => a + f.contribution, 0);
  return { intercept: fit.phi[0], attributes, neighbourhood, facilities, logPrice };
}
