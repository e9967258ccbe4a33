import type { BackendChoice } from '../lib/backend.ts';
import { elementSplit, singleVsDouble, snrVsElements, snrVsPosition, type LineSetup } from '../lib/irs/analysis.ts';
import { coverageStats, gridFor, type CoverageStats, type Grid, type SnrGrid } from '../lib/irs/coverage.ts';
import { areaCoverage, evaluateUsers, type UserResult } from '../lib/irs/evaluate.ts';
import { buildFieldModel, type FieldModel, type FieldWarning, type RouteMode, type SurfaceStatus } from '../lib/irs/field.ts';
import { buildObstacles, type Obstacles } from '../lib/irs/geometry.ts';
import { importGeojson, type ImportedMap } from '../lib/irs/geojson.ts';
import { buildingsKey, GainGridCache } from '../lib/irs/gridCache.ts';
import { comparePassiveActive, optimisePlacement, wallSites, type IrsTemplate, type OptimiserResult, type PowerComparison } from '../lib/irs/optimiser.ts';
import { rateThresholdBps, validateScenario, type Candidate, type Scenario } from '../lib/irs/scenario.ts';
import { InputError } from '../lib/errors.ts';
import { GpuError, type GpuContext } from '../kernels/gpu.ts';
import { gpuOptionScorer, irsHeatmapGpu } from '../kernels/irs/irsHeatmap.ts';
import { openBackend, type OpenBackend } from './backend.ts';
import { exposeWorker, runJob, transferResult, type JobContext, type JobPort } from './job.ts';

/**
 * The IRS planner's worker: heatmaps (WGSL kernel on a GPU, the cached CPU twin otherwise), per-user
 * results, the placement optimiser and the analysis curves. The backend is opened once and kept, so the
 * heatmap can follow a drag.
 */
export interface FieldRequest {
  scenario: Scenario;
  mode: RouteMode;
  gridLongSide: number;
}

export interface FieldResult {
  field: SnrGrid;
  /** The same area with the direct links only. */
  directField: SnrGrid;
  coverage: CoverageStats;
  directCoverage: CoverageStats;
  areas: { id: string; coverage: CoverageStats; directCoverage: CoverageStats }[];
  users: UserResult[];
  warnings: FieldWarning[];
  surfaceStatus: SurfaceStatus[];
  routeMethod: FieldModel['routeMethod'];
  backend: BackendChoice['backend'];
  /** Why this backend (a GPU that failed or was lost says so here). */
  backendReason: string;
  milliseconds: number;
}

export interface OptimiseRequest {
  scenario: Scenario;
  count: number;
  objective: 'coverage' | 'minUserSnr';
  /** Clicked candidate points, or sites along the walls of the buildings in the area. */
  siteSource: 'clicked' | 'walls';
  wallSpacingM: number;
  gridLongSide: number;
  passive: IrsTemplate;
  active: IrsTemplate;
  /** Run both and compare at equal total power, or only the one named. */
  compare: 'both' | 'passive' | 'active';
}

export type OptimiseResult = { kind: 'comparison'; comparison: PowerComparison; sites: number } | { kind: 'single'; result: OptimiserResult; sites: number };

/**
 * The backend, once open. Opening WebGPU can take seconds (a software adapter under load), so until it
 * is known, jobs run on the CPU path rather than wait.
 */
let backend: Promise<OpenBackend> | undefined;
let opened: OpenBackend | undefined;
const CPU_UNTIL_OPEN: OpenBackend = { choice: { backend: 'cpu', adapter: null, reason: 'WebGPU is still starting' }, gpu: null };

function openOnce(override?: string | null): Promise<OpenBackend> {
  backend ??= openBackend(override).then((result) => {
    opened = result;
    // A lost device (driver reset, GPU removed) sends every later job to the CPU path, never into a hang.
    void result.gpu?.lost.then((info) => {
      if (opened?.gpu !== result.gpu) return;
      opened = { choice: { backend: 'cpu', adapter: result.choice.adapter, reason: `the GPU device was lost (${info.message || info.reason}); using the CPU` }, gpu: null };
    });
    return result;
  });
  return backend;
}
const cache = new GainGridCache();
let obstaclesFor: { key: string; obstacles: Obstacles } | undefined;

function obstacles(scenario: Scenario): { key: string; obstacles: Obstacles } {
  const key = buildingsKey(scenario.buildings);
  if (obstaclesFor?.key !== key) obstaclesFor = { key, obstacles: buildObstacles(scenario.buildings) };
  return obstaclesFor;
}

/** The heatmap on the open backend; a GPU failure moves this and every later job to the CPU path. */
async function heatmap(model: FieldModel, grid: Grid, mapKey: string, job: JobContext): Promise<SnrGrid> {
  const gpu = opened?.gpu;
  if (gpu) {
    try {
      return await irsHeatmapGpu(gpu, model, grid);
    } catch (error) {
      opened = { choice: { backend: 'cpu', adapter: opened!.choice.adapter, reason: `the GPU failed (${(error as Error).message}); using the CPU` }, gpu: null };
    }
  }
  return cache.snrGrid(model, grid, mapKey, job);
}

const api = {
  async open(override?: string | null): Promise<BackendChoice> {
    await openOnce(override);
    return (opened ?? CPU_UNTIL_OPEN).choice;
  },

  async loadMap(url: string, name: string): Promise<ImportedMap> {
    const response = await fetch(url);
    if (!response.ok) throw new InputError(`could not load ${name}: HTTP ${response.status}`);
    return importGeojson(await response.text(), { name });
  },

  async importMap(text: string, name: string): Promise<ImportedMap> {
    return importGeojson(text, { name });
  },

  async field(request: FieldRequest, port: JobPort): Promise<FieldResult> {
    return runJob(port, async (job) => {
      const started = performance.now();
      const scenario = validateScenario(request.scenario);
      void openOnce();
      const map = obstacles(scenario);
      const model = buildFieldModel(scenario, { mode: request.mode, obstacles: map.obstacles });
      const directModel = buildFieldModel(scenario, { mode: 'direct', obstacles: map.obstacles });
      const grid = gridFor(scenario.area, request.gridLongSide);
      const field = await heatmap(model, grid, map.key, job);
      const directField = await heatmap(directModel, grid, map.key, job);
      const options = { bandwidthHz: scenario.bandwidthHz, rateThresholdBps: rateThresholdBps(scenario), grid };
      const result: FieldResult = {
        field,
        directField,
        coverage: areaCoverage(scenario, field),
        directCoverage: areaCoverage(scenario, directField),
        areas: (scenario.userAreas ?? []).map((area) => ({
          id: area.id,
          coverage: coverageStats(field.snr, field.indoor, { ...options, within: area }),
          directCoverage: coverageStats(directField.snr, directField.indoor, { ...options, within: area }),
        })),
        users: evaluateUsers(scenario, model, directModel),
        warnings: model.warnings,
        surfaceStatus: model.surfaceStatus,
        routeMethod: model.routeMethod,
        backend: (opened ?? CPU_UNTIL_OPEN).choice.backend,
        backendReason: (opened ?? CPU_UNTIL_OPEN).choice.reason,
        milliseconds: performance.now() - started,
      };
      return transferResult(result);
    });
  },

  async optimise(request: OptimiseRequest, port: JobPort): Promise<OptimiseResult> {
    return runJob(port, async (job) => {
      const scenario = validateScenario(request.scenario);
      void openOnce();
      const sites: Candidate[] = request.siteSource === 'clicked'
        ? scenario.candidates ?? []
        : wallSites(obstacles(scenario).obstacles, scenario.area, { spacingM: request.wallSpacingM });
      if (sites.length === 0) {
        throw new InputError(request.siteSource === 'clicked' ? 'no candidate sites: click on the map to add some' : 'no walls inside the area to place IRSs on');
      }
      const grid = gridFor(scenario.area, request.gridLongSide);
      // A wall-mounted surface may be turned a little either way from the wall's normal.
      const tiltsDeg = request.siteSource === 'walls' ? [-30, 0, 30] : [0];
      const settings = { count: request.count, objective: request.objective, sites, tiltsDeg, gridLongSide: request.gridLongSide };
      const optimise = async (gpu: GpuContext | null): Promise<OptimiseResult> => {
        const context = { progress: job.progress, cancel: job.cancel, scoreOptions: gpu ? gpuOptionScorer(gpu, grid) : undefined };
        if (request.compare === 'both') {
          return { kind: 'comparison', comparison: await comparePassiveActive(scenario, { ...settings, passive: request.passive, active: request.active }, context), sites: sites.length };
        }
        const template = request.compare === 'passive' ? request.passive : request.active;
        return { kind: 'single', result: await optimisePlacement(scenario, { ...settings, template }, context), sites: sites.length };
      };
      const gpu = opened?.gpu ?? null;
      if (!gpu) return optimise(null);
      try {
        return await optimise(gpu);
      } catch (error) {
        if (!(error instanceof GpuError) && opened?.gpu === gpu) throw error;
        // The GPU failed or was lost mid-run: start again on the CPU path.
        opened = { choice: { backend: 'cpu', adapter: opened!.choice.adapter, reason: `the GPU failed (${(error as Error).message}); using the CPU` }, gpu: null };
        return optimise(null);
      }
    });
  },

  async analysis(setup: LineSetup, positionM: number, splitElements: number) {
    return {
      position: snrVsPosition(setup),
      scaling: snrVsElements(setup, positionM),
      crossover: singleVsDouble(setup),
      split: elementSplit(setup, splitElements),
    };
  },
};

export type IrsApi = typeof api;
exposeWorker(api);
