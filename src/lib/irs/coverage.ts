import { combineAt, directGainAt, surfaceGainAt, type FieldModel } from './field.ts';
import { insideAnyBuilding, type Box } from './geometry.ts';

/**
 * The SNR heatmap on the CPU — the twin of the WGSL kernel (src/kernels/irs/irsHeatmap.wgsl) — and the
 * coverage statistics computed from it. Work is split in two stages so that the page's CPU path can
 * recompute only what a drag changed: per-source gain grids (one per transmitter and per surface, the
 * costly line-of-sight part), then their combination per cell.
 */
export interface Grid extends Box {
  cols: number;
  rows: number;
}

/** Square cells, `longSide` of them along the area's longer side. Row 0 is the top (largest y). */
export function gridFor(area: Box, longSide: number): Grid {
  if (!Number.isInteger(longSide) || longSide < 1) throw new RangeError(`grid size must be a positive integer, got ${longSide}`);
  const width = area.x1 - area.x0;
  const height = area.y1 - area.y0;
  const cols = width >= height ? longSide : Math.max(1, Math.round((longSide * width) / height));
  const rows = width >= height ? Math.max(1, Math.round((longSide * height) / width)) : longSide;
  return { ...area, cols, rows };
}

export function cellCentre(grid: Grid, index: number): { x: number; y: number } {
  const col = index % grid.cols;
  const row = Math.floor(index / grid.cols);
  return {
    x: grid.x0 + ((col + 0.5) * (grid.x1 - grid.x0)) / grid.cols,
    y: grid.y1 - ((row + 0.5) * (grid.y1 - grid.y0)) / grid.rows,
  };
}

export function indoorGrid(model: FieldModel, grid: Grid): Uint8Array {
  const indoor = new Uint8Array(grid.cols * grid.rows);
  for (let i = 0; i < indoor.length; i++) {
    const { x, y } = cellCentre(grid, i);
    indoor[i] = insideAnyBuilding(model.obstacles, x, y) ? 1 : 0;
  }
  return indoor;
}

export function directGainGrid(model: FieldModel, t: number, grid: Grid): Float64Array {
  const gains = new Float64Array(grid.cols * grid.rows);
  for (let i = 0; i < gains.length; i++) {
    const { x, y } = cellCentre(grid, i);
    gains[i] = directGainAt(model, t, x, y);
  }
  return gains;
}

export function surfaceGainGrid(model: FieldModel, k: number, grid: Grid): Float64Array {
  const gains = new Float64Array(grid.cols * grid.rows);
  for (let i = 0; i < gains.length; i++) {
    const { x, y } = cellCentre(grid, i);
    gains[i] = surfaceGainAt(model, k, x, y).gain;
  }
  return gains;
}

/** Combines per-source gain grids into linear SNR per cell (`out`, length cols·rows). */
export function combineGrids(model: FieldModel, direct: readonly Float64Array[], surfaces: readonly Float64Array[], out: Float32Array): Float32Array {
  const directGains = new Float64Array(direct.length);
  const surfaceGains = new Float64Array(surfaces.length);
  for (let i = 0; i < out.length; i++) {
    for (let t = 0; t < direct.length; t++) directGains[t] = direct[t][i];
    for (let k = 0; k < surfaces.length; k++) surfaceGains[k] = surfaces[k][i];
    out[i] = combineAt(model, directGains, surfaceGains).snr;
  }
  return out;
}

export interface SnrGrid {
  grid: Grid;
  /** Linear SNR per cell, row-major, row 0 at the top. */
  snr: Float32Array;
  /** 1 where the cell centre is inside a building. */
  indoor: Uint8Array;
}

/** The CPU twin of the heatmap kernel. */
export function snrGridCpu(model: FieldModel, grid: Grid): SnrGrid {
  const direct = model.transmitters.map((_, t) => directGainGrid(model, t, grid));
  const surfaces = model.surfaces.map((_, k) => surfaceGainGrid(model, k, grid));
  return { grid, snr: combineGrids(model, direct, surfaces, new Float32Array(grid.cols * grid.rows)), indoor: indoorGrid(model, grid) };
}

/** A cell with no usable link counts as this SNR in averages, so an average stays finite. */
export const SNR_FLOOR_DB = -50;

export interface CoverageStats {
  rateThresholdBps: number;
  /** Share of outdoor cells whose rate B·log₂(1 + SNR) reaches the threshold. */
  coverageRate: number;
  /** Mean over outdoor cells of 10·log10(SNR), each floored at SNR_FLOOR_DB. */
  areaAverageSnrDb: number;
  outdoorCells: number;
}

export interface CoverageOptions {
  bandwidthHz: number;
  rateThresholdBps: number;
  /** Only cells whose centre is inside this box count (a user area); default: all. */
  within?: Box;
  grid?: Grid;
}

/** Coverage over outdoor cells: building interiors are not where the 2-D model places users. */
export function coverageStats(snr: Float32Array, indoor: Uint8Array, options: CoverageOptions): CoverageStats {
  const snrThreshold = 2 ** (options.rateThresholdBps / options.bandwidthHz) - 1;
  let covered = 0;
  let outdoor = 0;
  let sumDb = 0;
  for (let i = 0; i < snr.length; i++) {
    if (indoor[i]) continue;
    if (options.within && options.grid) {
      const { x, y } = cellCentre(options.grid, i);
      const w = options.within;
      if (x < w.x0 || x > w.x1 || y < w.y0 || y > w.y1) continue;
    }
    outdoor++;
    if (snr[i] >= snrThreshold) covered++;
    sumDb += Math.max(SNR_FLOOR_DB, 10 * Math.log10(snr[i]));
  }
  return {
    rateThresholdBps: options.rateThresholdBps,
    coverageRate: outdoor > 0 ? covered / outdoor : 0,
    areaAverageSnrDb: outdoor > 0 ? sumDb / outdoor : SNR_FLOOR_DB,
    outdoorCells: outdoor,
  };
}
