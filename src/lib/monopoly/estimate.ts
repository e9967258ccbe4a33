import { neverCancelled, type CancelFlag } from '../cancel.ts';
import type { MonopolyProblem } from './problem.ts';
import { mapShard, parameterCount, splitShards, type GammaStatsPart, type MapPart, type MapTask, type NormalEquationsPart, type ResidualsPart, type Shard } from './shardMap.ts';
import { choleskySolve } from './solve.ts';

/**
 * Estimation by map/reduce iterations (block coordinate descent on the loss
 *   L(φ, γ) = Σ_train (r_i − γ n_i)² + λ‖θ‖²,  r = y − Zφ,  n = A r).
 * Given γ the prediction is linear in φ = [b, β, θ], so the φ block is a ridge problem solved exactly
 * (one Newton step) from normal equations summed over shards; given φ, γ = Σ r n / Σ n² in closed form.
 * Each block step can only lower L, so L decreases monotonically; we stop when its relative change is
 * below `tolerance`.
 */
export interface EstimateOptions {
  /** Ridge λ on the facility prices θ. */
  lambda: number;
  tolerance: number;
  maxIterations: number;
  shards: number;
  /** false fixes γ = 0 (no neighbourhood term): an ablation that isolates what facility prices add. */
  neighbourTerm?: boolean;
}

export const ESTIMATE_DEFAULTS: EstimateOptions = { lambda: 1, tolerance: 1e-6, maxIterations: 50, shards: 4 };

/** Runs map tasks over shards: in-thread here, worker_threads in Node, Web Workers in the page. */
export interface ShardMapper {
  map(shards: Shard[], task: MapTask): Promise<MapPart[]>;
}

export function localMapper(problem: MonopolyProblem): ShardMapper {
  return { map: async (shards, task) => shards.map((shard) => mapShard(problem, shard, task)) };
}

export interface IterationRecord {
  iteration: number;
  loss: number;
  gamma: number;
  seconds: number;
}

export interface MonopolyFit {
  /** [b, β (standardised attributes), θ]. */
  phi: Float64Array;
  gamma: number;
  /** Base residuals r_i of training houses (NaN elsewhere): the neighbourhood signal for predictions. */
  residual: Float64Array;
  history: IterationRecord[];
  converged: boolean;
}

export async function estimateMonopoly(
  problem: MonopolyProblem,
  options: EstimateOptions = ESTIMATE_DEFAULTS,
  mapper: ShardMapper = localMapper(problem),
  onIteration?: (record: IterationRecord) => void,
  cancel: CancelFlag = neverCancelled,
): Promise<MonopolyFit> {
  const shards = splitShards(problem.trainIndex.length, options.shards);
  const d = parameterCount(problem);
  const thetaStart = 1 + problem.attributeCount;
  let gamma = 0;
  let phi: Float64Array = new Float64Array(d);
  let residual = new Float64Array(problem.houseCount);
  let previousLoss = Number.POSITIVE_INFINITY;
  const history: IterationRecord[] = [];
  const started = performance.now();
  let converged = false;
  for (let iteration = 1; iteration <= options.maxIterations; iteration++) {
    cancel.throwIfCancelled();
    // φ step given γ: sum normal equations over shards, add the ridge, solve.
    const equations = (await mapper.map(shards, { kind: 'normalEquations', gamma })) as NormalEquationsPart[];
    const gram = new Float64Array(d * d);
    const rhs = new Float64Array(d);
    for (const part of equations) {
      for (let e = 0; e < gram.length; e++) gram[e] += part.gram[e];
      for (let e = 0; e < d; e++) rhs[e] += part.rhs[e];
    }
    for (let j = 0; j < d; j++) {
      // λ on θ; a vanishing ridge on b, β and on facilities no house reaches keeps the system definite.
      gram[j * d + j] += j >= thetaStart ? options.lambda : 1e-9 * (1 + gram[j * d + j]);
      if (gram[j * d + j] === 0) gram[j * d + j] = 1;
    }
    phi = choleskySolve(gram, rhs, d);
    cancel.throwIfCancelled();
    // Residuals of the new φ, then γ given φ.
    residual = new Float64Array(problem.houseCount).fill(Number.NaN);
    for (const part of (await mapper.map(shards, { kind: 'residuals', phi })) as ResidualsPart[]) {
      part.residual.forEach((r, k) => {
        residual[problem.trainIndex[part.shard.start + k]] = r;
      });
    }
    const stats = (await mapper.map(shards, { kind: 'gammaStats', residual })) as GammaStatsPart[];
    const rn = stats.reduce((sum, part) => sum + part.rn, 0);
    const nn = stats.reduce((sum, part) => sum + part.nn, 0);
    gamma = nn > 0 && options.neighbourTerm !== false ? rn / nn : 0;
    const rr = stats.reduce((sum, part) => sum + part.rr, 0);
    const sse = rr - 2 * gamma * rn + gamma * gamma * nn;
    let thetaNorm = 0;
    for (let j = thetaStart; j < d; j++) thetaNorm += phi[j] ** 2;
    const loss = sse + options.lambda * thetaNorm;
    const record = { iteration, loss, gamma, seconds: (performance.now() - started) / 1000 };
    history.push(record);
    onIteration?.(record);
    if (Math.abs(previousLoss - loss) <= options.tolerance * Math.abs(loss)) {
      converged = true;
      break;
    }
    previousLoss = loss;
  }
  return { phi, gamma, residual, history, converged };
}
