import { describe, expect, it } from 'vitest';
import {
  buildCityGraph, buildProblem, choleskySolve, estimateMonopoly, explainHouse, haversineM, leastSquares,
  olsBaseline, parseFacilitiesCsv, parseHousesCsv, plantPrices, predictLogPrices, priceMetrics, randomSplit,
  spatialSplit, syntheticCity, whatIfDeltaLogPrice, type Facilities, type Houses,
} from '../../src/lib/monopoly/index.ts';
import { Rng } from '../../src/lib/util/random.ts';

function houses(points: [number, number][], price = 100_000): Houses {
  return {
    ids: points.map((_, i) => `h${i}`),
    lat: Float64Array.from(points, ([lat]) => lat),
    lon: Float64Array.from(points, ([, lon]) => lon),
    price: new Float64Array(points.length).fill(price),
    attributeNames: [],
    attributes: new Float64Array(0),
  };
}

describe('haversineM', () => {
  it('is zero for a point and itself', () => {
    expect(haversineM(47.6, -122.3, 47.6, -122.3)).toBe(0);
  });
  it('gives R·Δφ along a meridian: one degree of latitude is 6371 km · π/180', () => {
    expect(haversineM(47, -122, 48, -122)).toBeCloseTo((6_371_000 * Math.PI) / 180, 6);
  });
  it('gives a quarter of the great circle from the equator to the pole', () => {
    expect(haversineM(0, 10, 90, 10)).toBeCloseTo((6_371_000 * Math.PI) / 2, 3);
  });
  it('shrinks a degree of longitude by cos φ at small spans (within 0.01 %)', () => {
    const expected = ((6_371_000 * Math.PI) / 180) * 0.01 * Math.cos((60 * Math.PI) / 180);
    expect(haversineM(60, 0, 60, 0.01) / expected).toBeCloseTo(1, 4);
  });
});

describe('buildCityGraph', () => {
  // Houses 0, 1, 2 on a meridian, 1000 m and 2400 m north of house 0; one facility 500 m north of house 0.
  const step = 1 / ((6_371_000 * Math.PI) / 180); // degrees per metre of latitude
  const city = houses([[47, -122], [47 + 1000 * step, -122], [47 + 2400 * step, -122]]);
  const facilities: Facilities = { ids: ['f0'], lat: Float64Array.of(47 + 500 * step), lon: Float64Array.of(-122), kind: ['hospital'] };
  const graph = buildCityGraph(city, facilities, { radiusM: 2000, tauM: 1000, maxHouseNeighbours: 50 });
  it('links a house to facilities within R with weight exp(−d/τ)', () => {
    const { offsets, index, weight, distanceM } = graph.houseFacility;
    expect(Array.from(offsets)).toEqual([0, 1, 2, 3]);
    expect(Array.from(index)).toEqual([0, 0, 0]);
    expect(distanceM[0]).toBeCloseTo(500, 3);
    expect(distanceM[2]).toBeCloseTo(1900, 3);
    expect(weight[0]).toBeCloseTo(Math.exp(-0.5), 9);
    expect(weight[1]).toBeCloseTo(Math.exp(-0.5), 9);
  });
  it('links houses within R both ways, never to themselves, and not beyond R', () => {
    const { offsets, index, weight } = graph.houseHouse;
    const neighbours = (i: number) => Array.from(index.subarray(offsets[i], offsets[i + 1])).sort();
    expect(neighbours(0)).toEqual([1]);
    expect(neighbours(1)).toEqual([0, 2]);
    expect(neighbours(2)).toEqual([1]);
    expect(weight[0]).toBeCloseTo(Math.exp(-1), 9);
  });
});

describe('buildCityGraph at scale', () => {
  it('keeps exactly the nearest maxHouseNeighbours houses within R, nearest first, as a brute-force scan does', () => {
    const city = syntheticCity({ houses: 800, facilities: 30, attributes: 1, sizeM: 5000, seed: 41 });
    const graph = buildCityGraph(city.houses, city.facilities, { radiusM: 1500, tauM: 1000, maxHouseNeighbours: 7 });
    const { lat, lon } = city.houses;
    for (const i of [0, 17, 399, 799]) {
      const brute = Array.from({ length: 800 }, (_, k) => k)
        .filter((k) => k !== i)
        .map((k) => ({ k, d: haversineM(lat[i], lon[i], lat[k], lon[k]) }))
        .filter(({ d }) => d <= 1500)
        .sort((a, b) => a.d - b.d)
        .slice(0, 7);
      const { offsets, index } = graph.houseHouse;
      expect(Array.from(index.subarray(offsets[i], offsets[i + 1]))).toEqual(brute.map(({ k }) => k));
      const facilities = Array.from({ length: 30 }, (_, j) => j).filter((j) => haversineM(lat[i], lon[i], city.facilities.lat[j], city.facilities.lon[j]) <= 1500);
      const hf = graph.houseFacility;
      expect(Array.from(hf.index.subarray(hf.offsets[i], hf.offsets[i + 1])).sort((a, b) => a - b)).toEqual(facilities);
    }
  });
});

describe('least squares', () => {
  it('choleskySolve solves a hand-made 2×2 system', () => {
    expect(Array.from(choleskySolve(Float64Array.of(4, 2, 2, 3), Float64Array.of(2, 1), 2)).map((v) => +v.toFixed(12))).toEqual([0.5, 0]);
  });
  it('OLS equals a direct solve: exact fits are recovered and residuals are orthogonal to every column', () => {
    const rng = new Rng(3);
    const n = 200;
    const p = 4;
    const x = Float64Array.from({ length: n * p }, () => rng.normal());
    const truth = [1.5, -2, 0.5, 3, 0.25];
    const exact = Float64Array.from({ length: n }, (_, i) => truth[0] + [0, 1, 2, 3].reduce((s, c) => s + truth[1 + c] * x[i * p + c], 0));
    const rows = Uint32Array.from({ length: n }, (_, i) => i);
    leastSquares(x, p, exact, rows).forEach((value, c) => expect(value).toBeCloseTo(truth[c], 6));
    const noisy = exact.map((v) => v + rng.normal());
    const coef = leastSquares(x, p, noisy, rows);
    const residual = noisy.map((v, i) => v - coef[0] - [0, 1, 2, 3].reduce((s, c) => s + coef[1 + c] * x[i * p + c], 0));
    expect(Math.abs(residual.reduce((a, b) => a + b, 0))).toBeLessThan(1e-6);
    for (let c = 0; c < p; c++) expect(Math.abs(residual.reduce((s, r, i) => s + r * x[i * p + c], 0))).toBeLessThan(1e-6);
  });
  it('olsBaseline on a planted linear city recovers its predictions exactly', () => {
    const city = syntheticCity({ houses: 300, facilities: 0, attributes: 3, sizeM: 4000, seed: 1 });
    const graph = buildCityGraph(city.houses, city.facilities);
    plantPrices(city, graph, { gamma: 0, noiseSd: 0, seed: 2 });
    const problem = buildProblem(city.houses, city.facilities, graph, () => true);
    const predicted = olsBaseline(problem);
    predicted.forEach((v, i) => expect(v).toBeCloseTo(Math.log(city.houses.price[i]), 6));
  });
});

describe('estimateMonopoly', () => {
  it('recovers planted facility prices θ, β and γ on a seeded synthetic city', async () => {
    const city = syntheticCity({ houses: 4000, facilities: 12, attributes: 3, sizeM: 8000, seed: 7 });
    const graph = buildCityGraph(city.houses, city.facilities, { radiusM: 2000, tauM: 1000, maxHouseNeighbours: 20 });
    plantPrices(city, graph, { gamma: 0.6, noiseSd: 0.02, seed: 8 });
    const problem = buildProblem(city.houses, city.facilities, graph, () => true);
    const fit = await estimateMonopoly(problem, { lambda: 1e-3, tolerance: 1e-9, maxIterations: 200, shards: 3 });
    expect(fit.converged).toBe(true);
    // Least squares on n = A·r is not a consistent estimator of a spatial-autoregressive γ (n_i shares
    // noise with r_i through the neighbours' feedback), so γ is only checked to be found, and large.
    expect(fit.gamma).toBeGreaterThan(0.5);
    expect(fit.gamma).toBeLessThan(1);
    const theta = fit.phi.subarray(1 + 3);
    // θ is drawn in [−0.4, 0.4]; spatially correlated noise limits the precision near the edges.
    city.theta.forEach((truth, j) => expect(Math.abs(theta[j] - truth)).toBeLessThan(0.06));
    const beta = Array.from(fit.phi.subarray(1, 4), (b, c) => b / problem.attributeSd[c]);
    city.beta.forEach((truth, c) => expect(Math.abs(beta[c] - truth)).toBeLessThan(0.01));
    // The loss never rises between iterations (block coordinate descent).
    for (let k = 1; k < fit.history.length; k++) expect(fit.history[k].loss).toBeLessThanOrEqual(fit.history[k - 1].loss * (1 + 1e-12));
  });
  it('gives the same fit with 1 shard and with 5 (the reduce is a sum)', async () => {
    const city = syntheticCity({ houses: 600, facilities: 5, attributes: 2, sizeM: 5000, seed: 9 });
    const graph = buildCityGraph(city.houses, city.facilities);
    plantPrices(city, graph, { gamma: 0.3, noiseSd: 0.1, seed: 10 });
    const problem = buildProblem(city.houses, city.facilities, graph, (i) => i % 4 !== 0);
    const options = { lambda: 1, tolerance: 1e-10, maxIterations: 100 };
    const one = await estimateMonopoly(problem, { ...options, shards: 1 });
    const five = await estimateMonopoly(problem, { ...options, shards: 5 });
    one.phi.forEach((v, j) => expect(five.phi[j]).toBeCloseTo(v, 8));
    expect(five.gamma).toBeCloseTo(one.gamma, 8);
  });
  it('explainHouse parts sum to the predicted log price', async () => {
    const city = syntheticCity({ houses: 500, facilities: 6, attributes: 2, sizeM: 4000, seed: 11 });
    const graph = buildCityGraph(city.houses, city.facilities);
    plantPrices(city, graph, { gamma: 0.4, noiseSd: 0.1, seed: 12 });
    const problem = buildProblem(city.houses, city.facilities, graph, (i) => i % 5 !== 0);
    const fit = await estimateMonopoly(problem, { lambda: 1, tolerance: 1e-8, maxIterations: 50, shards: 2 });
    const predicted = predictLogPrices(problem, fit);
    for (const i of [0, 1, 7, 250]) {
      const parts = explainHouse(problem, fit, i);
      expect(parts.logPrice).toBeCloseTo(predicted[i], 10);
    }
  });
});

describe('whatIfDeltaLogPrice', () => {
  it('removing a facility changes predictions exactly as refitting the prediction without its term', async () => {
    const city = syntheticCity({ houses: 600, facilities: 5, attributes: 2, sizeM: 4000, seed: 31 });
    const graph = buildCityGraph(city.houses, city.facilities);
    plantPrices(city, graph, { gamma: 0.4, noiseSd: 0.1, seed: 32 });
    const problem = buildProblem(city.houses, city.facilities, graph, (i) => i % 3 !== 0);
    const fit = await estimateMonopoly(problem, { lambda: 1, tolerance: 1e-8, maxIterations: 50, shards: 2 });
    const before = predictLogPrices(problem, fit);
    // The same fit with θ_2 = 0 and residuals recomputed: the direct definition of "no facility 2".
    const phi = Float64Array.from(fit.phi);
    phi[1 + 2 + 2] = 0;
    const residual = fit.residual.map((r, i) => (Number.isNaN(r) ? r : r + (fit.phi[5] - phi[5]) * facilityWeight(problem, i, 2)));
    const after = predictLogPrices(problem, { ...fit, phi, residual });
    const delta = whatIfDeltaLogPrice(problem, fit, city.houses, { radiusM: 2000, tauM: 1000 }, { kind: 'remove', facility: 2 });
    delta.forEach((d, i) => expect(d).toBeCloseTo(after[i] - before[i], 10));
    expect(delta.some((d) => Math.abs(d) > 1e-3)).toBe(true);
  });
  it('adding a facility moves only houses within R (and their neighbours) by w(d)·θ', () => {
    const city = houses([[47, -122], [47.001, -122], [47.1, -122]]);
    const graph = buildCityGraph(city, { ids: [], lat: new Float64Array(0), lon: new Float64Array(0), kind: [] });
    const problem = buildProblem(city, { ids: [], lat: new Float64Array(0), lon: new Float64Array(0), kind: [] }, graph, () => true);
    const fit = { phi: new Float64Array(1), gamma: 0, residual: new Float64Array(3), history: [], converged: true };
    const delta = whatIfDeltaLogPrice(problem, fit, city, { radiusM: 2000, tauM: 1000 }, { kind: 'add', lat: 47, lon: -122, theta: 0.2 });
    expect(delta[0]).toBeCloseTo(0.2, 12);
    expect(delta[1]).toBeCloseTo(0.2 * Math.exp(-haversineM(47, -122, 47.001, -122) / 1000), 12);
    expect(delta[2]).toBe(0);
  });
});

function facilityWeight(problem: ReturnType<typeof buildProblem>, i: number, facility: number): number {
  const { offsets, index, weight } = problem.houseFacility;
  let total = 0;
  for (let e = offsets[i]; e < offsets[i + 1]; e++) if (index[e] === facility) total += weight[e];
  return total;
}

describe('metrics and splits', () => {
  it('priceMetrics on a hand case', () => {
    const m = priceMetrics([100, 200, 400], [110, 180, 400]);
    expect(m.mae).toBeCloseTo(10, 12);
    expect(m.rmse).toBeCloseTo(Math.sqrt(500 / 3), 12);
    expect(m.mape).toBeCloseTo(20 / 3, 12);
    expect(m.mdape).toBeCloseTo(10, 12);
  });
  it('random and spatial splits are seeded and hold out about the asked fraction', () => {
    const city = syntheticCity({ houses: 5000, facilities: 0, attributes: 1, sizeM: 20000, seed: 4 });
    const a = randomSplit(5000, 0.2, 1);
    expect(Array.from(randomSplit(5000, 0.2, 1))).toEqual(Array.from(a));
    expect(a.reduce((s, v) => s + v, 0) / 5000).toBeCloseTo(0.2, 1);
    const spatial = spatialSplit(city.houses.lat, city.houses.lon, { testFraction: 0.2, seed: 1, blockM: 2000 });
    const share = spatial.reduce((s, v) => s + v, 0) / 5000;
    expect(share).toBeGreaterThan(0.05);
    expect(share).toBeLessThan(0.4);
  });
});

describe('CSV input', () => {
  it('parses houses with attributes and an empty price for a house to value', () => {
    const parsed = parseHousesCsv('id,lat,lon,price,rooms\na,47.6,-122.3,500000,3\nb,47.61,-122.31,,4\n');
    expect(parsed.ids).toEqual(['a', 'b']);
    expect(parsed.attributeNames).toEqual(['rooms']);
    expect(Array.from(parsed.attributes)).toEqual([3, 4]);
    expect(Number.isNaN(parsed.price[1])).toBe(true);
  });
  it('names a missing column', () => {
    expect(() => parseHousesCsv('id,lat,price\na,47,1\n')).toThrow(/missing column lon/);
  });
  it('names the row and column of a non-numeric cell', () => {
    expect(() => parseHousesCsv('id,lat,lon,price,rooms\na,47.6,-122.3,500000,3\nb,47.6,-122.3,1,three\n')).toThrow(/row 2, column "rooms": "three" is not a number/);
  });
  it('rejects coordinates out of range, naming row and column', () => {
    expect(() => parseFacilitiesCsv('id,lat,lon,kind\nf,95,-122,hospital\n')).toThrow(/row 1, column "lat": 95 is outside/);
    expect(() => parseFacilitiesCsv('id,lat,lon,kind\nf,45,-190,hospital\n')).toThrow(/row 1, column "lon": -190 is outside/);
  });
  it('rejects duplicate ids and empty kinds', () => {
    expect(() => parseFacilitiesCsv('id,lat,lon,kind\nf,45,-120,a\nf,45,-120,b\n')).toThrow(/"f" appears twice/);
    expect(() => parseFacilitiesCsv('id,lat,lon,kind\nf,45,-120,\n')).toThrow(/column "kind" is empty/);
  });
});
