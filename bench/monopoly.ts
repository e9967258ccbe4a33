/**
 * `npm run bench:monopoly [-- --sizes 100000,1000000 --workers 1,2,4 --iterations 3]`:
 * time per map/reduce iteration of the Monopoly estimator vs worker_threads and synthetic city size
 * (Node, CPU). The city is the seeded generator of src/lib/monopoly/synthetic.ts; graph building is timed
 * apart; memory is the process RSS after the fit. 1 worker = the map step in this thread.
 */
import { formatTable, writeResults, type Row } from './harness/report.ts';
import { parseFlags } from '../src/cli/args.ts';
import { workerMapper } from '../src/cli/commands/monopolyWorkers.ts';
import { buildCityGraph, buildProblem, estimateMonopoly, localMapper, plantPrices, syntheticCity } from '../src/lib/monopoly/index.ts';

const flags = parseFlags(process.argv.slice(2), { sizes: '20000,100000', workers: '1,2,4', 'houses-per-km2': 500, 'facilities-per-km2': 1, iterations: 3, 'max-neighbours': 20 });
const sizes = flags.sizes.split(',').map(Number);
const workerCounts = flags.workers.split(',').map(Number);
const rows: Row[] = [];
for (const houses of sizes) {
  // Fixed densities, so the city's area grows with N: each house sees ~π·2² ≈ 12.6 facilities within 2 km
  // at 1 facility per km² (KC houses see 0–20), and the facility count grows with N too.
  const areaKm2 = houses / flags['houses-per-km2'];
  const facilities = Math.max(1, Math.round(areaKm2 * flags['facilities-per-km2']));
  const city = syntheticCity({ houses, facilities, attributes: 11, sizeM: Math.sqrt(areaKm2) * 1000, seed: 1 });
  let started = performance.now();
  const graph = buildCityGraph(city.houses, city.facilities, { radiusM: 2000, tauM: 1000, maxHouseNeighbours: flags['max-neighbours'] });
  const graphSeconds = (performance.now() - started) / 1000;
  plantPrices(city, graph, { gamma: 0.3, noiseSd: 0.1, seed: 2 });
  const problem = buildProblem(city.houses, city.facilities, graph, () => true);
  for (const workers of workerCounts) {
    started = performance.now();
    const mapper = workers <= 1 ? { ...localMapper(problem), close: async () => {} } : await workerMapper(problem, workers);
    const startupSeconds = (performance.now() - started) / 1000;
    const fit = await estimateMonopoly(problem, { lambda: 1, tolerance: 0, maxIterations: flags.iterations, shards: Math.max(4, workers) }, mapper);
    await mapper.close();
    const last = fit.history[fit.history.length - 1];
    rows.push({
      houses, facilities, workers, graphS: graphSeconds, workerStartS: startupSeconds,
      iterations: fit.history.length, secondsPerIteration: last.seconds / fit.history.length,
      rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    });
    console.log(formatTable(rows.slice(-1)));
  }
}
console.log(`\nmonopoly estimator, Node ${process.version}, CPU (map step in-thread or on worker_threads)\n${formatTable(rows)}`);
console.log(`\nresults: ${writeResults('monopoly', { rows })}`);
