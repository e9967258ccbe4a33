import { describe, expect, it } from 'vitest';
import { dijkstra, enumerateSimplePaths, pathWeight, routeWeight, shortestPaths } from '../../src/lib/irs/routing.ts';
import { Rng } from '../../src/lib/util/random.ts';

/** Every simple path from `source`, without pruning: the reference both methods must match. */
function bruteForce(weights: Float64Array, n: number, source: number): Float64Array {
  const best = new Float64Array(n).fill(Infinity);
  best[source] = 0;
  const visited = new Set([source]);
  const walk = (node: number, cost: number) => {
    for (let next = 0; next < n; next++) {
      const w = weights[node * n + next];
      if (visited.has(next) || w === Infinity) continue;
      best[next] = Math.min(best[next], cost + w);
      visited.add(next);
      walk(next, cost + w);
      visited.delete(next);
    }
  };
  walk(source, 0);
  return best;
}

function randomGraph(rng: Rng, n: number, options: { density: number; lo: number; hi: number }): Float64Array {
  const weights = new Float64Array(n * n).fill(Infinity);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (i !== j && rng.next() < options.density) weights[i * n + j] = rng.uniform(options.lo, options.hi);
  }
  return weights;
}

describe('route graph', () => {
  it('w(i→j) = 2 ln d − ln β₀ − 2 ln N_j for a LoS link with exponent 2', () => {
    const beta0 = 5.011872e-5;
    const d = 12;
    expect(routeWeight(beta0 / (d * d), 600)).toBeCloseTo(2 * Math.log(d) - Math.log(beta0) - 2 * Math.log(600), 12);
    expect(routeWeight(0, 600)).toBe(Infinity);
    // negative once g·N² > 1: d < N·√β₀ = 4.25 m for N = 600
    expect(routeWeight(beta0 / 16, 600)).toBeLessThan(0);
    expect(routeWeight(beta0 / 25, 600)).toBeGreaterThan(0);
  });

  it('Dijkstra equals brute-force enumeration on 300 random small graphs', () => {
    const rng = new Rng(2024);
    for (let trial = 0; trial < 300; trial++) {
      const n = 2 + rng.int(7);
      const weights = randomGraph(rng, n, { density: 0.3 + 0.7 * rng.next(), lo: 0, hi: 10 });
      const source = rng.int(n);
      const result = dijkstra(weights, n, source);
      const reference = bruteForce(weights, n, source);
      for (let v = 0; v < n; v++) {
        if (reference[v] === Infinity) {
          expect(result.distance[v]).toBe(Infinity);
          expect(result.paths[v]).toBeNull();
        } else {
          expect(result.distance[v]).toBeCloseTo(reference[v], 9);
          expect(result.paths[v]![0]).toBe(source);
          expect(pathWeight(weights, n, result.paths[v]!)).toBeCloseTo(reference[v], 9);
        }
      }
    }
  });

  it('falls back to exact enumeration when a weight is negative, matching brute force', () => {
    const rng = new Rng(99);
    for (let trial = 0; trial < 200; trial++) {
      const n = 2 + rng.int(7);
      const weights = randomGraph(rng, n, { density: 0.7, lo: -4, hi: 10 });
      const source = rng.int(n);
      const result = shortestPaths(weights, n, source);
      const reference = bruteForce(weights, n, source);
      if (weights.some((w) => w < 0)) expect(result.method).toBe('enumeration');
      for (let v = 0; v < n; v++) {
        expect(result.distance[v]).toBeCloseTo(reference[v], 9);
        if (reference[v] < Infinity) {
          const path = result.paths[v]!;
          expect(new Set(path).size).toBe(path.length); // simple
          expect(pathWeight(weights, n, path)).toBeCloseTo(reference[v], 9);
        }
      }
    }
  });

  it('Dijkstra is wrong with a negative weight, which is why the fallback exists', () => {
    // 0→1 costs 2, 0→2 costs 5, 2→1 costs −4: the best path to 1 is 0→2→1 (1), Dijkstra settles 1 at 2.
    const I = Infinity;
    const weights = Float64Array.from([I, 2, 5, I, I, I, I, -4, I]);
    expect(dijkstra(weights, 3, 0).distance[1]).toBe(2);
    expect(enumerateSimplePaths(weights, 3, 0).distance[1]).toBe(1);
    expect(shortestPaths(weights, 3, 0).paths[1]).toEqual([0, 2, 1]);
  });

  it('uses Dijkstra when no weight is negative', () => {
    const weights = Float64Array.from([Infinity, 1, 1, Infinity]);
    expect(shortestPaths(weights, 2, 0).method).toBe('dijkstra');
  });

  it('does not loop on negative cycles: paths stay simple', () => {
    const I = Infinity;
    // 1 ⇄ 2 is a negative cycle
    const weights = Float64Array.from([I, 1, I, I, I, I, -3, I, I, -3, I, 1, I, I, I, I]);
    const result = enumerateSimplePaths(weights, 4, 0);
    expect(result.distance[3]).toBe(-1); // 0→1→2→3
    expect(result.paths[3]).toEqual([0, 1, 2, 3]);
  });
});
