import type { MonopolyProblem } from './problem.ts';

/**
 * The map step: pure functions of (problem, one shard of training houses, current parameters).
 * Parameters φ = [b, β (p, standardised attributes), θ (F facilities)]; z_i is house i's design row
 * [1, x_i, w_i1 … w_iF]; the base residual r_i = y_i − z_iᵀφ; the neighbourhood term n_i = Σ_k a_ik r_k.
 */
export type MapTask =
  | { kind: 'residuals'; phi: Float64Array }
  | { kind: 'gammaStats'; residual: Float64Array }
  | { kind: 'normalEquations'; gamma: number };

export interface Shard {
  /** Range into problem.trainIndex. */
  start: number;
  end: number;
}

export interface ResidualsPart {
  kind: 'residuals';
  shard: Shard;
  residual: Float64Array;
}
export interface GammaStatsPart {
  kind: 'gammaStats';
  /** Σ r_i n_i, Σ n_i², Σ r_i². */
  rn: number;
  nn: number;
  rr: number;
}
export interface NormalEquationsPart {
  kind: 'normalEquations';
  /** Σ g_i g_iᵀ (upper triangle, [D, D]) and Σ g_i t_i for g_i = z_i − γ Σ_k a_ik z_k, t_i = y_i − γ Σ_k a_ik y_k. */
  gram: Float64Array;
  rhs: Float64Array;
}
export type MapPart = ResidualsPart | GammaStatsPart | NormalEquationsPart;

export function parameterCount(problem: MonopolyProblem): number {
  return 1 + problem.attributeCount + problem.facilityCount;
}

export function splitShards(trainCount: number, shardCount: number): Shard[] {
  const shards: Shard[] = [];
  const count = Math.max(1, Math.min(shardCount, trainCount));
  for (let s = 0; s < count; s++) shards.push({ start: Math.floor((s * trainCount) / count), end: Math.floor(((s + 1) * trainCount) / count) });
  return shards;
}

/** z_iᵀφ for one house. */
export function designDot(problem: MonopolyProblem, i: number, phi: Float64Array): number {
  const p = problem.attributeCount;
  let value = phi[0];
  for (let c = 0; c < p; c++) value += problem.x[i * p + c] * phi[1 + c];
  const { offsets, index, weight } = problem.houseFacility;
  for (let e = offsets[i]; e < offsets[i + 1]; e++) value += weight[e] * phi[1 + p + index[e]];
  return value;
}

/** n_i = Σ_k a_ik r_k over training neighbours (0 for a house with none). */
export function neighbourTerm(problem: MonopolyProblem, i: number, residual: Float64Array): number {
  const { offsets, index, weight } = problem.neighbourAverage;
  let value = 0;
  for (let e = offsets[i]; e < offsets[i + 1]; e++) value += weight[e] * residual[index[e]];
  return value;
}

export function mapShard(problem: MonopolyProblem, shard: Shard, task: MapTask): MapPart {
  const houses = problem.trainIndex.subarray(shard.start, shard.end);
  if (task.kind === 'residuals') {
    const residual = new Float64Array(houses.length);
    houses.forEach((i, r) => {
      residual[r] = problem.logPrice[i] - designDot(problem, i, task.phi);
    });
    return { kind: 'residuals', shard, residual };
  }
  if (task.kind === 'gammaStats') {
    let rn = 0;
    let nn = 0;
    let rr = 0;
    for (const i of houses) {
      const r = task.residual[i];
      const nTerm = neighbourTerm(problem, i, task.residual);
      rn += r * nTerm;
      nn += nTerm * nTerm;
      rr += r * r;
    }
    return { kind: 'gammaStats', rn, nn, rr };
  }
  return normalEquations(problem, houses, task.gamma);
}

function normalEquations(problem: MonopolyProblem, houses: Uint32Array, gamma: number): NormalEquationsPart {
  const p = problem.attributeCount;
  const dense = 1 + p;
  const d = parameterCount(problem);
  const gram = new Float64Array(d * d);
  const rhs = new Float64Array(d);
  const row = new Float64Array(d);
  const touched: number[] = [];
  const isTouched = new Uint8Array(d);
  const { houseFacility: hf, neighbourAverage: avg } = problem;
  const addRow = (k: number, scale: number) => {
    row[0] += scale;
    for (let c = 0; c < p; c++) row[1 + c] += scale * problem.x[k * p + c];
    for (let e = hf.offsets[k]; e < hf.offsets[k + 1]; e++) {
      const column = dense + hf.index[e];
      if (!isTouched[column]) {
        isTouched[column] = 1;
        touched.push(column);
      }
      row[column] += scale * hf.weight[e];
    }
  };
  for (const i of houses) {
    let target = problem.logPrice[i];
    addRow(i, 1);
    if (gamma !== 0) {
      for (let e = avg.offsets[i]; e < avg.offsets[i + 1]; e++) {
        const k = avg.index[e];
        addRow(k, -gamma * avg.weight[e]);
        target -= gamma * avg.weight[e] * problem.logPrice[k];
      }
    }
    touched.sort((a, b) => a - b);
    // Dense × dense, dense × sparse, sparse × sparse blocks of g gᵀ; only the upper triangle.
    for (let a = 0; a < dense; a++) {
      const ga = row[a];
      rhs[a] += ga * target;
      for (let b = a; b < dense; b++) gram[a * d + b] += ga * row[b];
      for (const b of touched) gram[a * d + b] += ga * row[b];
    }
    for (let s = 0; s < touched.length; s++) {
      const a = touched[s];
      const ga = row[a];
      rhs[a] += ga * target;
      for (let t = s; t < touched.length; t++) gram[a * d + touched[t]] += ga * row[touched[t]];
    }
    row.fill(0, 0, dense);
    for (const column of touched) {
      row[column] = 0;
      isTouched[column] = 0;
    }
    touched.length = 0;
  }
  return { kind: 'normalEquations', gram, rhs };
}
