import { checkpoint, neverCancelled, type CancelFlag } from '../cancel.ts';
import type { ProgressCallback } from '../progress.ts';
import { combineGrids, directGainGrid, indoorGrid, surfaceGainGrid, type Grid, type SnrGrid } from './coverage.ts';
import type { FieldModel } from './field.ts';

/**
 * The CPU heatmap while the user drags: the per-source gain grids (the costly line-of-sight part of
 * `snrGridCpu`) are kept by what they depend on — the grid, the buildings, the channel and the source's
 * own geometry — so moving one IRS recomputes one grid and the cheap per-cell combination. Moving a user
 * recomputes nothing. Least recently used grids go first once the byte budget is spent.
 */
export class GainGridCache {
  private readonly grids = new Map<string, Float64Array | Uint8Array>();
  private bytes = 0;

  constructor(private readonly budgetBytes = 96 * 2 ** 20) {}

  private get<T extends Float64Array | Uint8Array>(key: string, compute: () => T): T {
    const hit = this.grids.get(key);
    if (hit) {
      this.grids.delete(key);
      this.grids.set(key, hit);
      return hit as T;
    }
    const value = compute();
    this.grids.set(key, value);
    this.bytes += value.byteLength;
    for (const [oldKey, old] of this.grids) {
      if (this.bytes <= this.budgetBytes) break;
      this.grids.delete(oldKey);
      this.bytes -= old.byteLength;
    }
    return value;
  }

  /** The heatmap of `model` on `grid`; `mapKey` identifies the buildings (see `buildingsKey`). */
  async snrGrid(model: FieldModel, grid: Grid, mapKey: string, context: { progress?: ProgressCallback; cancel?: CancelFlag } = {}): Promise<SnrGrid> {
    const cancel = context.cancel ?? neverCancelled;
    const base = `${grid.x0},${grid.y0},${grid.x1},${grid.y1},${grid.cols},${grid.rows}|${mapKey}|${model.pathLoss.beta0},${model.pathLoss.alphaLos},${model.pathLoss.alphaNlos}`;
    const total = model.transmitters.length + model.surfaces.length + 1;
    let done = 0;
    const step = async () => {
      context.progress?.({ phase: 'Heatmap (CPU)', done: ++done, total });
      await checkpoint(cancel);
    };
    const indoor = this.get(`${base}|indoor`, () => indoorGrid(model, grid));
    await step();
    const direct: Float64Array[] = [];
    for (let t = 0; t < model.transmitters.length; t++) {
      const tx = model.transmitters[t];
      direct.push(this.get(`${base}|tx|${tx.x},${tx.y}`, () => directGainGrid(model, t, grid)));
      await step();
    }
    const surfaces: Float64Array[] = [];
    for (let k = 0; k < model.surfaces.length; k++) {
      const s = model.surfaces[k];
      surfaces.push(this.get(`${base}|irs|${s.x},${s.y},${s.nx},${s.ny},${s.elements},${s.sideM}`, () => surfaceGainGrid(model, k, grid)));
      await step();
    }
    // A copy of the cached mask: the caller may transfer the result to another thread, detaching it.
    return { grid, snr: combineGrids(model, direct, surfaces, new Float32Array(grid.cols * grid.rows)), indoor: indoor.slice() };
  }
}

/** A fingerprint of the buildings' coordinates (FNV-1a over their float bits). */
export function buildingsKey(buildings: readonly (readonly (readonly [number, number])[])[]): string {
  let hash = 0x811c9dc5;
  const cell = new Float64Array(1);
  const words = new Uint32Array(cell.buffer);
  let count = 0;
  for (const ring of buildings) {
    for (const [x, y] of ring) {
      for (const value of [x, y]) {
        cell[0] = value;
        hash = Math.imul(hash ^ words[0], 0x01000193) >>> 0;
        hash = Math.imul(hash ^ words[1], 0x01000193) >>> 0;
        count++;
      }
    }
    hash = Math.imul(hash ^ 0xffff, 0x01000193) >>> 0;
  }
  return `${buildings.length}:${count}:${hash.toString(16)}`;
}
