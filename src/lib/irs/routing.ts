/**
 * Multi-reflection route choice (W. Mei and R. Zhang, "Cooperative beam routing for multi-IRS aided
 * communication", IEEE WCL 2021). With cooperative passive beamforming, a route BS → IRS_a → … → user
 * receives P·M·∏g·∏N_j², so maximising SNR is a shortest-path problem over the graph {BS, IRSs, user}
 * with line-of-sight edges weighted
 *   w(i→j) = −ln g_ij − 2·ln N_j  (= 2·ln d_ij − ln β₀ − 2·ln N_j for a LoS link with exponent 2),
 * N_j the elements of the surface the edge arrives at (1 for the user). Dijkstra solves it when every
 * weight is ≥ 0. A weight is negative when g_ij·N_j² > 1 (a big surface a few metres away); Dijkstra is
 * then wrong, so we fall back to an exact enumeration of simple paths with branch-and-bound.
 *
 * Weights live in a dense n×n matrix, `Infinity` where there is no edge.
 */

export interface ShortestPaths {
  /** Total weight of the best path from the source to each node (Infinity: unreachable). */
  distance: Float64Array;
  /** The best path from the source to each node (node indices, source first); null when unreachable. */
  paths: (number[] | null)[];
  method: 'dijkstra' | 'enumeration';
}

function hasNegativeWeight(weights: Float64Array): boolean {
  for (const w of weights) if (w < 0) return true;
  return false;
}

export function dijkstra(weights: Float64Array, n: number, source: number): ShortestPaths {
  const distance = new Float64Array(n).fill(Infinity);
  const previous = new Int32Array(n).fill(-1);
  const done = new Uint8Array(n);
  distance[source] = 0;
  // Dense graphs of at most a few dozen nodes: the O(n²) array scan beats a heap.
  for (let round = 0; round < n; round++) {
    let u = -1;
    for (let v = 0; v < n; v++) if (!done[v] && distance[v] < Infinity && (u < 0 || distance[v] < distance[u])) u = v;
    if (u < 0) break;
    done[u] = 1;
    for (let v = 0; v < n; v++) {
      const w = weights[u * n + v];
      if (done[v] || w === Infinity) continue;
      if (distance[u] + w < distance[v]) {
        distance[v] = distance[u] + w;
        previous[v] = u;
      }
    }
  }
  const paths = Array.from({ length: n }, (_, target) => {
    if (distance[target] === Infinity) return null;
    const path = [target];
    for (let v = previous[target]; v !== -1; v = previous[v]) path.push(v);
    return path.reverse();
  });
  return { distance, paths, method: 'dijkstra' };
}

/** Stops a pathological enumeration (many huge surfaces within metres of each other) with a clear error. */
const ENUMERATION_BUDGET = 5_000_000;

/**
 * Exact shortest *simple* paths from `source` to every node, for graphs with negative weights (where
 * negative cycles may exist, so walks are not allowed). Depth-first over simple paths, pruned with a
 * lower bound: a path's extension into unvisited node u costs at least
 *   cost + Σ_{x unvisited} min(0, minIn(x)) + max(0, minIn(u)),
 * since each unvisited node is entered at most once, at no less than its cheapest incoming weight.
 */
export function enumerateSimplePaths(weights: Float64Array, n: number, source: number): ShortestPaths {
  const distance = new Float64Array(n).fill(Infinity);
  const paths: (number[] | null)[] = new Array<number[] | null>(n).fill(null);
  distance[source] = 0;
  paths[source] = [source];
  const minIn = new Float64Array(n).fill(Infinity);
  for (let u = 0; u < n; u++) for (let v = 0; v < n; v++) if (u !== v) minIn[v] = Math.min(minIn[v], weights[u * n + v]);
  const onPath = new Uint8Array(n);
  const path: number[] = [source];
  onPath[source] = 1;
  let negativeSlack = 0; // Σ over unvisited nodes of min(0, minIn)
  for (let v = 0; v < n; v++) if (v !== source) negativeSlack += Math.min(0, minIn[v]);
  let expansions = 0;

  const improvable = (cost: number): boolean => {
    for (let u = 0; u < n; u++) {
      if (onPath[u] || minIn[u] === Infinity) continue;
      if (cost + negativeSlack + Math.max(0, minIn[u]) < distance[u]) return true;
    }
    return false;
  };

  const visit = (node: number, cost: number): void => {
    if (++expansions > ENUMERATION_BUDGET) {
      throw new RangeError(`route enumeration passed ${ENUMERATION_BUDGET} steps: too many large surfaces within a few metres of each other`);
    }
    if (!improvable(cost)) return;
    for (let next = 0; next < n; next++) {
      const w = weights[node * n + next];
      if (onPath[next] || w === Infinity) continue;
      const total = cost + w;
      if (total < distance[next]) {
        distance[next] = total;
        // The best path to `next` need not extend the best path to `node`, so keep whole paths.
        paths[next] = [...path, next];
      }
      onPath[next] = 1;
      path.push(next);
      negativeSlack -= Math.min(0, minIn[next]);
      visit(next, total);
      negativeSlack += Math.min(0, minIn[next]);
      path.pop();
      onPath[next] = 0;
    }
  };
  visit(source, 0);
  return { distance, paths, method: 'enumeration' };
}

export function shortestPaths(weights: Float64Array, n: number, source: number): ShortestPaths {
  return hasNegativeWeight(weights) ? enumerateSimplePaths(weights, n, source) : dijkstra(weights, n, source);
}

/** The weight of a given path (tests compare the two methods on it). */
export function pathWeight(weights: Float64Array, n: number, path: readonly number[]): number {
  let total = 0;
  for (let i = 0; i + 1 < path.length; i++) total += weights[path[i] * n + path[i + 1]];
  return total;
}

/** w(i→j) = −ln g_ij − 2·ln N_j, Infinity when g_ij = 0. */
export function routeWeight(elementGain: number, arrivingElements: number): number {
  return elementGain > 0 ? -Math.log(elementGain) - 2 * Math.log(arrivingElements) : Infinity;
}
