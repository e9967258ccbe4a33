import { adapterLabel } from '../src/lib/backend.ts';
import { campusScenario } from '../src/lib/irs/campus.ts';
import { gridFor, snrGridCpu, type Grid } from '../src/lib/irs/coverage.ts';
import { buildFieldModel, type FieldModel } from '../src/lib/irs/field.ts';
import { buildObstacles } from '../src/lib/irs/geometry.ts';
import { importGeojson } from '../src/lib/irs/geojson.ts';
import { buildingsKey, GainGridCache } from '../src/lib/irs/gridCache.ts';
import { cpuScorer, optimisePlacement, wallSites } from '../src/lib/irs/optimiser.ts';
import type { IrsSpec, Scenario } from '../src/lib/irs/scenario.ts';
import { createGpuContext, type GpuContext } from '../src/kernels/gpu.ts';
import { gpuOptionScorer, packField, runIrsHeatmap } from '../src/kernels/irs/irsHeatmap.ts';

/**
 * IRS heatmap throughput (cells/s) of the WGSL kernel and of its CPU twin on the campus scenario, for
 * several grids and IRS counts; the CPU path's drag step (one IRS moved, cached grids); and the placement
 * optimiser's time with each scorer. Cases predicted to exceed the time budget are measured on a strided
 * subset of rows (`sampledRows`) or skipped, and say so.
 */
export interface HeatmapCase {
  longSide: number;
  irs: number;
}

export interface HeatmapTiming {
  longSide: number;
  cells: number;
  irs: number;
  impl: 'wgsl' | 'cpu-twin' | 'cpu-drag-step';
  ms: number | null;
  cellsPerSecond: number | null;
  /** Rows actually computed by the CPU twin (a strided subset when the full grid would take too long). */
  sampledRows?: number;
  note?: string;
}

interface Args {
  cases: HeatmapCase[];
  /** The WGSL kernel runs only up to this many cells × surfaces (a software adapter is slow). */
  maxGpuWork: number;
  /** Seconds the CPU twin may spend on one case before it samples rows instead. */
  cpuBudgetS: number;
  optimiser: { count: number; spacingM: number; gridLongSide: number };
}

export async function run(args: Record<string, unknown>, log: (line: string) => void) {
  const { cases, maxGpuWork, cpuBudgetS, optimiser } = args as unknown as Args;
  const gpu = await createGpuContext(navigator.gpu);
  if (!gpu) throw new Error('no WebGPU adapter');
  log(`adapter: ${adapterLabel(gpu.adapter)} (fallback ${gpu.adapter.isFallback})`);
  const response = await fetch('/datasets/campus-buildings-ubc/ubcv_buildings.geojson');
  const base = campusScenario(importGeojson(await response.text(), { name: 'ubc' }));
  const sites = wallSites(buildObstacles(base.buildings), base.area, { spacingM: 12 });
  const withIrs = (count: number): Scenario => ({
    ...base,
    irs: Array.from({ length: count }, (_, i): IrsSpec => {
      const site = sites[Math.floor((i * sites.length) / count)];
      const type = (['passive', 'active', 'hybrid'] as const)[i % 3];
      return { id: `b${i}`, x: site.x, y: site.y, facingDeg: site.facingDeg!, elements: 600, type, ...(type === 'passive' ? {} : { ampPowerDbm: 4, ampNoiseDbm: -80 }), ...(type === 'hybrid' ? { activeElements: 150 } : {}) };
    }),
  });

  // Warm the JIT on a small grid first, so the first case is not charged for compilation.
  snrGridCpu(buildFieldModel(withIrs(4), { mode: 'best' }), gridFor(base.area, 48));
  const timings: HeatmapTiming[] = [];
  for (const c of cases) {
    const scenario = withIrs(c.irs);
    const model = buildFieldModel(scenario, { mode: 'best' });
    const grid = gridFor(scenario.area, c.longSide);
    const cells = grid.cols * grid.rows;
    const sources = model.transmitters.length + model.surfaces.length;
    if (cells * sources <= maxGpuWork) {
      const ms = await timeKernel(gpu, model, grid);
      timings.push({ longSide: c.longSide, cells, irs: c.irs, impl: 'wgsl', ms, cellsPerSecond: cells / (ms / 1000) });
    } else {
      timings.push({ longSide: c.longSide, cells, irs: c.irs, impl: 'wgsl', ms: null, cellsPerSecond: null, note: `skipped: over ${maxGpuWork} cell·sources on this adapter` });
    }
    log(`${c.longSide}² ${c.irs} IRS wgsl: ${timings.at(-1)!.ms?.toFixed(1) ?? 'skipped'} ms`);
    timings.push(timeTwin(model, grid, c, cpuBudgetS));
    log(`${c.longSide}² ${c.irs} IRS cpu twin: ${timings.at(-1)!.cellsPerSecond?.toExponential(2)} cells/s (${timings.at(-1)!.sampledRows} rows)`);
    if (c.longSide <= 256) {
      timings.push(await timeDragStep(scenario, grid, c));
      log(`${c.longSide}² ${c.irs} IRS cpu drag step: ${timings.at(-1)!.ms?.toFixed(1)} ms`);
    }
  }

  const optimiserTimings = [];
  const scenario = withIrs(0);
  const optimiserSites = wallSites(buildObstacles(scenario.buildings), scenario.area, { spacingM: optimiser.spacingM });
  const settings = { count: optimiser.count, objective: 'coverage' as const, template: { elements: 600, type: 'passive' as const }, sites: optimiserSites, gridLongSide: optimiser.gridLongSide };
  for (const [impl, scorer] of [['wgsl', gpuOptionScorer(gpu, gridFor(scenario.area, optimiser.gridLongSide))], ['cpu-twin', cpuScorer(gridFor(scenario.area, optimiser.gridLongSide))]] as const) {
    const started = performance.now();
    const result = await optimisePlacement(scenario, settings, { scoreOptions: scorer });
    const ms = performance.now() - started;
    optimiserTimings.push({ impl, ms, options: result.options, objective: result.objective, baseline: result.baseline });
    log(`optimiser ${impl}: ${ms.toFixed(0)} ms, ${result.options} options, coverage ${result.baseline.toFixed(3)} → ${result.objective.toFixed(3)}`);
  }
  return { adapter: gpu.adapter, timings, optimiser: { ...optimiser, sites: optimiserSites.length, timings: optimiserTimings } };
}

/** Kernel time per heatmap: compile once, then repeat with one small read-back at the end. */
async function timeKernel(gpu: GpuContext, model: FieldModel, grid: Grid): Promise<number> {
  const packed = packField(model);
  const outputs = { snr: gpu.acquire(grid.cols * grid.rows * 4), indoor: gpu.acquire(grid.cols * grid.rows * 4) };
  runIrsHeatmap(gpu, packed, model, grid, outputs);
  await gpu.read(outputs.snr, 4);
  let reps = 1;
  for (;;) {
    const started = performance.now();
    for (let r = 0; r < reps; r++) runIrsHeatmap(gpu, packed, model, grid, outputs);
    await gpu.read(outputs.snr, 4);
    const ms = performance.now() - started;
    if (ms > 300 || reps >= 16) {
      gpu.release(outputs.snr, outputs.indoor);
      return ms / reps;
    }
    reps *= 4;
  }
}

/** The twin on every `stride`-th row when the full grid would exceed the budget (cost per cell is what matters). */
function timeTwin(model: FieldModel, grid: Grid, c: HeatmapCase, budgetS: number): HeatmapTiming {
  const cells = grid.cols * grid.rows;
  const probeRows = Math.max(1, Math.round(grid.rows / 64));
  const probe = rowsOf(grid, probeRows);
  let started = performance.now();
  snrGridCpu(model, probe);
  const perRowS = (performance.now() - started) / 1000 / probeRows;
  const rows = Math.min(grid.rows, Math.max(probeRows, Math.floor(budgetS / perRowS)));
  const sample = rowsOf(grid, rows);
  started = performance.now();
  snrGridCpu(model, sample);
  const ms = performance.now() - started;
  const cellsPerSecond = (sample.cols * sample.rows) / (ms / 1000);
  return { longSide: c.longSide, cells, irs: c.irs, impl: 'cpu-twin', ms: rows === grid.rows ? ms : (cells / cellsPerSecond) * 1000, cellsPerSecond, sampledRows: rows };
}

/** `rows` rows spread evenly over the grid's height: the same area and columns with taller cells. */
function rowsOf(grid: Grid, rows: number): Grid {
  return rows >= grid.rows ? grid : { ...grid, rows };
}

/** What a drag costs on the CPU path: one IRS moved, every other grid cached. */
async function timeDragStep(scenario: Scenario, grid: Grid, c: HeatmapCase): Promise<HeatmapTiming> {
  const cache = new GainGridCache();
  const key = buildingsKey(scenario.buildings);
  const obstacles = buildObstacles(scenario.buildings);
  await cache.snrGrid(buildFieldModel(scenario, { mode: 'best', obstacles }), grid, key);
  const moved: Scenario = c.irs === 0 ? scenario : { ...scenario, irs: scenario.irs.map((r, i) => (i === 0 ? { ...r, x: r.x + 1.5, y: r.y - 0.5 } : r)) };
  const started = performance.now();
  await cache.snrGrid(buildFieldModel(moved, { mode: 'best', obstacles }), grid, key);
  const ms = performance.now() - started;
  return { longSide: c.longSide, cells: grid.cols * grid.rows, irs: c.irs, impl: 'cpu-drag-step', ms, cellsPerSecond: null };
}
