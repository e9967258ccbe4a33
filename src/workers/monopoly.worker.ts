import { InputError } from '../lib/errors.ts';
import {
  ESTIMATE_DEFAULTS, explainHouse, mapShard, parseFacilitiesCsv, parseHousesCsv, randomSplit, runMonopolyJob, spatialSplit, whatIfDeltaLogPrice,
  type FacilityChange, type MonopolyFit, type MonopolyProblem, type PriceBreakdown,
} from '../lib/monopoly/index.ts';
import { checkSettings, remainingIterations, type MonopolyPageResult, type MonopolySettings } from '../lib/monopoly/pageJob.ts';
import type { Houses } from '../lib/monopoly/types.ts';
import { exposeWorker, runJob, transferResult, type JobPort } from './job.ts';
import { webWorkerMapper } from './monopolyShards.ts';

/**
 * The facility-pricing page's worker: reads the CSVs, builds the city graph, fits the Monopoly model
 * and the baselines (the map step over `settings.workers` nested Web Workers, or over shards in turn in
 * this worker when it is 1), and keeps the last fits so the page can explain a house or ask "what if" without sending the graph.
 */
export type CitySource = { kind: 'url'; houses: string; facilities: string; name: string } | { kind: 'text'; houses: string; facilities: string; name: string };

interface KeptFit {
  problem: MonopolyProblem;
  fit: MonopolyFit;
  houses: Houses;
  settings: MonopolySettings;
}
const kept = new Map<string, KeptFit>();
const KEEP = 3;

function fitFor(runId: string): KeptFit {
  const found = kept.get(runId);
  if (!found) throw new InputError('this run’s model is no longer in memory', 'run it again to explain houses or ask "what if"');
  return found;
}

async function fetchText(url: string, name: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new InputError(`could not load ${name}`, `${url}: HTTP ${response.status}`);
  return response.text();
}

const api = {
  async run(runId: string, source: CitySource, settingsIn: MonopolySettings, port: JobPort): Promise<MonopolyPageResult> {
    return runJob(port, async (job) => {
      const settings = checkSettings(settingsIn);
      const started = performance.now();
      job.plan([{ label: 'Reading', weight: 1 }, { label: 'Graph', weight: 2 }, { label: 'Fitting', weight: 3 }, { label: 'Baselines', weight: 2 }]);
      job.progress({ phase: 'Reading', done: 0, total: 1, message: source.name });
      const [housesText, facilitiesText] = source.kind === 'text'
        ? [source.houses, source.facilities]
        : await Promise.all([fetchText(source.houses, 'houses CSV'), fetchText(source.facilities, 'facilities CSV')]);
      const houses = parseHousesCsv(housesText, 'houses CSV');
      const facilities = parseFacilitiesCsv(facilitiesText, 'facilities CSV');
      job.cancel.throwIfCancelled();
      const test = settings.split === 'random'
        ? randomSplit(houses.ids.length, settings.testFraction, settings.seed)
        : spatialSplit(houses.lat, houses.lon, { testFraction: settings.testFraction, seed: settings.seed, blockM: 3000 });
      // Houses without a price are valued, never trained on or scored.
      const role = Uint8Array.from(test, (t, i) => (Number.isFinite(houses.price[i]) ? t : 2));
      job.progress({ phase: 'Graph', done: 0, total: 1, message: `${houses.ids.length} houses, ${facilities.ids.length} facilities` });
      // Four shards whatever the worker count (≤ 4), so the sums — and the fit — do not depend on it.
      const estimate = { ...ESTIMATE_DEFAULTS, lambda: settings.lambda, shards: Math.max(ESTIMATE_DEFAULTS.shards, settings.workers) };
      let pool: { close(): void } | undefined;
      const history: { iteration: number; loss: number; gamma: number; seconds: number }[] = [];
      const result = await runMonopolyJob({
        houses, facilities, role,
        graph: { radiusM: settings.radiusM, tauM: settings.tauM, maxHouseNeighbours: settings.maxHouseNeighbours },
        estimate,
        mapper: async (problem) => {
          job.progress({ phase: 'Fitting', done: 0, total: 4, message: `${problem.trainIndex.length} training houses, ${settings.workers} worker${settings.workers > 1 ? 's' : ''}` });
          if (settings.workers > 1) {
            const mapper = await webWorkerMapper(problem, settings.workers, job.cancel);
            pool = mapper;
            return mapper;
          }
          // Shards in turn, with a cancel check between them (one iteration is three map passes).
          return {
            map: async (shards, task) => shards.map((shard) => {
              job.cancel.throwIfCancelled();
              return mapShard(problem, shard, task);
            }),
          };
        },
        onIteration: (record) => {
          history.push(record);
          const left = remainingIterations(history, estimate.tolerance, estimate.maxIterations);
          job.progress({ phase: 'Fitting', done: record.iteration, total: record.iteration + left, message: `iteration ${record.iteration}, loss ${record.loss.toPrecision(5)}, γ ${record.gamma.toFixed(3)}` });
          if (left <= 1) job.progress({ phase: 'Baselines', done: 0, total: 1 });
        },
        cancel: job.cancel,
      }).finally(() => pool?.close());
      job.progress({ phase: 'Baselines', done: 1, total: 1 });
      kept.set(runId, { problem: result.problem, fit: result.fit, houses, settings });
      while (kept.size > KEEP) kept.delete(kept.keys().next().value!);
      const out: MonopolyPageResult = {
        settings, source: source.name,
        // Copies: the result's arrays are transferred (detached here), and the kept fit still needs the houses.
        houses: { ids: houses.ids, lat: houses.lat.slice(), lon: houses.lon.slice(), price: houses.price.slice(), predicted: result.predictedPrice.monopoly, role: role.slice() },
        attributeNames: houses.attributeNames,
        facilities: result.facilities.map((f, j) => ({ ...f, name: facilities.name?.[j] || f.id })),
        metrics: result.metrics, history: result.history, gamma: result.gamma, iterations: result.iterations, converged: result.converged,
        graphSeconds: result.graphSeconds, fitSeconds: result.fitSeconds, totalSeconds: (performance.now() - started) / 1000,
      };
      return transferResult(out);
    });
  },

  /** One house's predicted log price broken into intercept, attributes, neighbourhood and facilities. */
  explain(runId: string, house: number): PriceBreakdown {
    const { problem, fit } = fitFor(runId);
    return explainHouse(problem, fit, house);
  },

  /** Change in every house's predicted price (currency) when a facility is added or removed. */
  whatIf(runId: string, change: FacilityChange): { deltaPrice: Float64Array; total: number; affected: number } {
    const { problem, fit, houses, settings } = fitFor(runId);
    const deltaLog = whatIfDeltaLogPrice(problem, fit, houses, settings, change);
    const deltaPrice = new Float64Array(deltaLog.length);
    let total = 0;
    let affected = 0;
    for (let i = 0; i < deltaLog.length; i++) {
      if (deltaLog[i] === 0) continue;
      const predicted = Math.exp(predictOne({ problem, fit, houses, settings }, i));
      deltaPrice[i] = predicted * Math.expm1(deltaLog[i]);
      total += deltaPrice[i];
      affected++;
    }
    return transferResult({ deltaPrice, total, affected });
  },
};

function predictOne({ problem, fit }: KeptFit, i: number): number {
  return explainHouse(problem, fit, i).logPrice;
}

export type MonopolyApi = typeof api;
exposeWorker(api);
