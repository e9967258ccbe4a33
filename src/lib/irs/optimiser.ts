import { checkpoint, neverCancelled, type CancelFlag } from '../cancel.ts';
import type { ProgressCallback } from '../progress.ts';
import { combineGrids, directGainGrid, gridFor, indoorGrid, surfaceGainGrid, type Grid } from './coverage.ts';
import { buildFieldModel, evaluatePoint, type FieldModel } from './field.ts';
import { buildObstacles, cullObstacles, insideAnyBuilding, polygonRing, type Box, type Obstacles } from './geometry.ts';
import { rateThresholdBps, type Candidate, type IrsSpec, type Scenario } from './scenario.ts';
import { dbmToWatts, linearToDb, wattsToDbm } from './units.ts';

/**
 * IRS placement: choose K sites among candidates, and a facing for each, to maximise the coverage rate
 * or the minimum user SNR. Greedy (add the option that helps most, K times), then local search (swap a
 * chosen option for an unchosen one while that improves the objective; a 1-swap local optimum).
 *
 * Scoring uses single-reflection routing, where it is exact and separable: with a set of IRSs, each
 * cell's SNR is the best over the IRSs of "this IRS co-phased with the direct link", so one SNR vector
 * per option (cell or user SNRs with that IRS alone) scores any set as an elementwise max. The applied
 * result is then evaluated with the page's route mode like any scenario.
 */
export type Objective = 'coverage' | 'minUserSnr';

/** What an optimised IRS is, apart from where it goes. */
export type IrsTemplate = Omit<IrsSpec, 'id' | 'x' | 'y' | 'facingDeg'>;

export interface OptimiserOptions {
  count: number;
  objective: Objective;
  template: IrsTemplate;
  /** Sites to choose from; a site without a facing is tried in eight directions. */
  sites: readonly Candidate[];
  /** Turns tried around a site's own facing (a wall's normal), in degrees; default [0]. */
  tiltsDeg?: readonly number[];
  /** Cells along the area's long side for the coverage objective. */
  gridLongSide?: number;
  maxSwapRounds?: number;
}

export interface Option {
  site: number;
  x: number;
  y: number;
  facingDeg: number;
}

export interface OptimiserResult {
  irs: IrsSpec[];
  /** Coverage rate (0…1) or minimum user SNR (dB). */
  objective: number;
  /** The same objective with the direct links only, and after the greedy phase. */
  baseline: number;
  greedy: number;
  /**
   * The same objective for the scenario's own IRSs as placed (scored the same way), and for those plus
   * the chosen ones ("add to existing"); both equal `baseline`/`objective` when the scenario has none.
   */
  current: number;
  addedToCurrent: number;
  options: number;
  swapRounds: number;
}

/** Scores every option; the worker hands in a GPU version for the coverage objective. */
export type OptionScorer = (model: FieldModel, options: readonly Option[], report: (done: number) => Promise<void>) => Promise<Float32Array[]>;

export interface OptimiserContext {
  progress?: ProgressCallback;
  cancel?: CancelFlag;
  scoreOptions?: OptionScorer;
}

const FACINGS_DEG = [0, 45, 90, 135, 180, 225, 270, 315];

export function expandOptions(sites: readonly Candidate[], tiltsDeg: readonly number[] = [0]): Option[] {
  return sites.flatMap((site, index) =>
    (site.facingDeg === undefined ? FACINGS_DEG : tiltsDeg.map((tilt) => Math.round(((site.facingDeg! + tilt + 360) % 360) * 10) / 10))
      .map((facingDeg) => ({ site: index, x: site.x, y: site.y, facingDeg })),
  );
}

function irsFor(option: Option, template: IrsTemplate, index: number): IrsSpec {
  return { ...template, id: `opt${index + 1}`, x: option.x, y: option.y, facingDeg: option.facingDeg };
}

/**
 * Candidate sites along building walls inside `area`: every `spacingM` along each wall, `offsetM` out
 * from it (so the site is in the open, not on the boundary), facing away from the wall.
 */
export function wallSites(obstacles: Obstacles, area: Box, options: { spacingM: number; offsetM?: number; max?: number }): Candidate[] {
  const { spacingM, offsetM = 0.5, max = 400 } = options;
  const culled = cullObstacles(obstacles, area);
  const sites: Candidate[] = [];
  for (let p = 0; p < culled.starts.length; p++) {
    const ring = polygonRing(culled, p);
    ring.forEach(([ax, ay], i) => {
      const [bx, by] = ring[(i + 1) % ring.length];
      const length = Math.hypot(bx - ax, by - ay);
      if (length < spacingM / 2) return;
      // Counter-clockwise ring: the outward normal of edge a→b is (dy, −dx)/|ab|.
      const nx = (by - ay) / length;
      const ny = -(bx - ax) / length;
      const steps = Math.max(1, Math.floor(length / spacingM));
      for (let s = 0; s < steps; s++) {
        const t = (s + 0.5) / steps;
        const x = ax + t * (bx - ax) + offsetM * nx;
        const y = ay + t * (by - ay) + offsetM * ny;
        if (x < area.x0 || x > area.x1 || y < area.y0 || y > area.y1 || insideAnyBuilding(culled, x, y)) continue;
        const facingDeg = (Math.round((Math.atan2(ny, nx) * 1800) / Math.PI) / 10 + 360) % 360;
        sites.push({ x: Math.round(x * 100) / 100, y: Math.round(y * 100) / 100, facingDeg });
      }
    });
  }
  if (sites.length <= max) return sites;
  const stride = sites.length / max;
  return Array.from({ length: max }, (_, i) => sites[Math.floor(i * stride)]);
}

/** SNR vectors for each option on the CPU: direct gains once, then one surface grid per option. */
export function cpuScorer(grid: Grid): OptionScorer {
  return async (model, options, report) => {
    const direct = model.transmitters.map((_, t) => directGainGrid(model, t, grid));
    const vectors: Float32Array[] = [];
    for (let i = 0; i < options.length; i++) {
      const single = withSurfaces(model, [model.surfaces[i]]);
      const surface = surfaceGainGrid(single, 0, grid);
      vectors.push(combineGrids(single, direct, [surface], new Float32Array(grid.cols * grid.rows)));
      await report(i + 1);
    }
    return vectors;
  };
}

function withSurfaces(model: FieldModel, surfaces: FieldModel['surfaces']): FieldModel {
  return { ...model, surfaces };
}

interface Scoring {
  /** One SNR vector per option, and the direct-only baseline. */
  vectors: Float32Array[];
  baseline: Float32Array;
  /** One SNR vector per IRS already in the scenario. */
  existing: Float32Array[];
  /** The objective of the elementwise max of a and b, without allocating (the search's inner loop). */
  scoreMax(a: Float32Array, b: Float32Array): number;
}

async function scoreAll(scenario: Scenario, options: readonly Option[], settings: OptimiserOptions, context: OptimiserContext): Promise<Scoring> {
  const cancel = context.cancel ?? neverCancelled;
  const irs = options.map((option, i) => irsFor(option, settings.template, i));
  // One model holds every option as a surface; single-reflection arrivals make them independent.
  const obstacles = buildObstacles(scenario.buildings);
  const model = buildFieldModel({ ...scenario, irs: [] }, { mode: 'single', extraPoints: options, obstacles });
  const optionModel = buildFieldModel({ ...scenario, irs }, { mode: 'single', extraPoints: options, obstacles: model.obstacles });
  const existingModel = buildFieldModel(scenario, { mode: 'single', extraPoints: options, obstacles: model.obstacles });
  const existingAsOptions: Option[] = scenario.irs.map((r, i) => ({ site: i, x: r.x, y: r.y, facingDeg: r.facingDeg }));
  const report = async (done: number) => {
    context.progress?.({ phase: 'Scoring candidate sites', done, total: options.length });
    if (done % 8 === 0) await checkpoint(cancel);
  };
  if (settings.objective === 'minUserSnr') {
    if (scenario.users.length === 0) throw new RangeError('the minimum-user-SNR objective needs at least one user');
    const vectors: Float32Array[] = [];
    for (let i = 0; i < options.length; i++) {
      const single = withSurfaces(optionModel, [optionModel.surfaces[i]]);
      vectors.push(Float32Array.from(scenario.users, (u) => evaluatePoint(single, u.x, u.y).snr));
      await report(i + 1);
    }
    const existing = existingModel.surfaces.map((surface) => {
      const single = withSurfaces(existingModel, [surface]);
      return Float32Array.from(scenario.users, (u) => evaluatePoint(single, u.x, u.y).snr);
    });
    return {
      vectors,
      existing,
      baseline: Float32Array.from(scenario.users, (u) => evaluatePoint(model, u.x, u.y).snr),
      scoreMax: (a, b) => {
        let worst = Infinity;
        for (let i = 0; i < a.length; i++) worst = Math.min(worst, Math.max(a[i], b[i]));
        return linearToDb(worst);
      },
    };
  }
  const grid = gridFor(scenario.area, settings.gridLongSide ?? 64);
  const scorer = context.scoreOptions ?? cpuScorer(grid);
  const vectors = await scorer(optionModel, options, report);
  const existing = existingAsOptions.length > 0 ? await scorer(existingModel, existingAsOptions, async () => {}) : [];
  const indoor = indoorGrid(model, grid);
  const baseline = combineGrids(model, model.transmitters.map((_, t) => directGainGrid(model, t, grid)), [], new Float32Array(grid.cols * grid.rows));
  const threshold = 2 ** (rateThresholdBps(scenario) / scenario.bandwidthHz) - 1;
  const outdoor = indoor.reduce((n, v) => n + (v ? 0 : 1), 0);
  return {
    vectors,
    baseline,
    existing,
    scoreMax: (a, b) => {
      let covered = 0;
      for (let i = 0; i < a.length; i++) if (!indoor[i] && (a[i] >= threshold || b[i] >= threshold)) covered++;
      return outdoor > 0 ? covered / outdoor : 0;
    },
  };
}

/** Elementwise max of the baseline and the chosen options' vectors, leaving out slot `except`. */
function combined(scoring: Scoring, chosen: readonly number[], except = -1): Float32Array {
  return maxOf(scoring.baseline, chosen.filter((_, slot) => slot !== except).map((option) => scoring.vectors[option]));
}

function maxOf(start: Float32Array, vectors: readonly Float32Array[]): Float32Array {
  const values = Float32Array.from(start);
  for (const vector of vectors) for (let i = 0; i < values.length; i++) if (vector[i] > values[i]) values[i] = vector[i];
  return values;
}

export async function optimisePlacement(scenario: Scenario, settings: OptimiserOptions, context: OptimiserContext = {}): Promise<OptimiserResult> {
  const cancel = context.cancel ?? neverCancelled;
  const options = expandOptions(settings.sites, settings.tiltsDeg);
  const sites = new Set(options.map((o) => o.site)).size;
  if (settings.count < 1 || settings.count > Math.min(sites, 16)) {
    throw new RangeError(`choose between 1 and ${Math.min(sites, 16)} IRSs for ${sites} candidate sites, got ${settings.count}`);
  }
  const scoring = await scoreAll(scenario, options, settings, context);
  const baseline = scoring.scoreMax(scoring.baseline, scoring.baseline);
  const chosen: number[] = [];
  const siteTaken = (option: number, except = -1) => chosen.some((c, i) => i !== except && options[c].site === options[option].site);

  // Greedy: K rounds, each adding the option with the best objective (ties: the earlier option).
  for (let k = 0; k < settings.count; k++) {
    let best = -1;
    let bestValue = -Infinity;
    const current = combined(scoring, chosen);
    for (let o = 0; o < options.length; o++) {
      if (siteTaken(o)) continue;
      const value = scoring.scoreMax(current, scoring.vectors[o]);
      if (best < 0 || value > bestValue) {
        bestValue = value;
        best = o;
      }
    }
    chosen.push(best);
    context.progress?.({ phase: 'Greedy placement', done: k + 1, total: settings.count });
    await checkpoint(cancel);
  }
  const greedy = scoring.scoreMax(combined(scoring, chosen), scoring.baseline);

  // Local search: best improving single swap per round, until none improves.
  const maxRounds = settings.maxSwapRounds ?? 50;
  let current = greedy;
  let rounds = 0;
  for (; rounds < maxRounds; rounds++) {
    let bestSwap: [number, number] | undefined;
    let bestValue = current;
    for (let slot = 0; slot < chosen.length; slot++) {
      const others = combined(scoring, chosen, slot);
      for (let o = 0; o < options.length; o++) {
        if (chosen.includes(o) || siteTaken(o, slot)) continue;
        const value = scoring.scoreMax(others, scoring.vectors[o]);
        if (value > bestValue + 1e-12) {
          bestValue = value;
          bestSwap = [slot, o];
        }
      }
    }
    context.progress?.({ phase: 'Local search', done: rounds + 1, total: maxRounds, message: `objective ${current.toFixed(4)}` });
    await checkpoint(cancel);
    if (!bestSwap) break;
    chosen[bestSwap[0]] = bestSwap[1];
    current = bestValue;
  }
  const withExisting = maxOf(scoring.baseline, scoring.existing);
  return {
    irs: chosen.map((o, i) => irsFor(options[o], settings.template, i)),
    objective: current,
    baseline,
    greedy,
    current: scoring.scoreMax(withExisting, scoring.baseline),
    addedToCurrent: scoring.scoreMax(withExisting, combined(scoring, chosen)),
    options: options.length,
    swapRounds: rounds,
  };
}

export interface PowerComparison {
  passive: OptimiserResult;
  active: OptimiserResult;
  /** The passive system's transmit powers, raised by the active IRSs' amplifier budget (dBm). */
  passivePowerDbm: number[];
}

/**
 * Passive against active IRSs at equal total power (Zhang et al., "Active RIS vs. passive RIS"): the
 * active system spends K·P_F on amplifiers, so the passive system's transmitters get that power instead,
 * split evenly among them.
 */
export async function comparePassiveActive(
  scenario: Scenario,
  settings: Omit<OptimiserOptions, 'template'> & { passive: IrsTemplate; active: IrsTemplate },
  context: OptimiserContext = {},
): Promise<PowerComparison> {
  if (settings.active.type === 'passive' || settings.active.ampPowerDbm === undefined) throw new RangeError('the active template needs an amplifier power');
  const extraW = (settings.count * dbmToWatts(settings.active.ampPowerDbm)) / scenario.transmitters.length;
  const passivePowerDbm = scenario.transmitters.map((t) => wattsToDbm(dbmToWatts(t.powerDbm) + extraW));
  const boosted: Scenario = { ...scenario, transmitters: scenario.transmitters.map((t, i) => ({ ...t, powerDbm: passivePowerDbm[i] })) };
  const passive = await optimisePlacement(boosted, { ...settings, template: settings.passive }, context);
  const active = await optimisePlacement(scenario, { ...settings, template: settings.active }, context);
  return { passive, active, passivePowerDbm };
}
