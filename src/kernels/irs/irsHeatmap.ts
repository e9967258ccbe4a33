import type { Grid, SnrGrid } from '../../lib/irs/coverage.ts';
import type { FieldModel } from '../../lib/irs/field.ts';
import { insideAnyBuilding } from '../../lib/irs/geometry.ts';
import type { OptionScorer } from '../../lib/irs/optimiser.ts';
import { LIMITS } from '../../lib/irs/scenario.ts';
import type { GpuContext } from '../gpu.ts';
import { ceilDiv, defineKernel } from '../kernel.ts';
import { uniforms } from '../uniforms.ts';
import { recordLayout } from './records.ts';
import source from './irsHeatmap.wgsl?raw';

/** GPU twin of `snrGridCpu` (src/lib/irs/coverage.ts): linear SNR and the indoor mask per cell. */
const polygonLayout = recordLayout('Polygon', { minX: 'f32', minY: 'f32', maxX: 'f32', maxY: 'f32', start: 'u32', count: 'u32' });
const transmitterLayout = recordLayout('Transmitter', { x: 'f32', y: 'f32', amplitude: 'f32', inside: 'u32' });
const surfaceLayout = recordLayout('Surface', {
  x: 'f32',
  y: 'f32',
  nx: 'f32',
  ny: 'f32',
  elements: 'f32',
  activeElements: 'f32',
  passiveElements: 'f32',
  sideM: 'f32',
  ampNoise: 'f32',
  arrivalStart: 'u32',
  arrivalCount: 'u32',
  inside: 'u32',
});
const arrivalLayout = recordLayout('Arrival', { transmitter: 'u32', signal: 'f32', noise: 'f32', etaMax: 'f32' });

export const irsHeatmapKernel = defineKernel({
  name: 'irsHeatmap',
  source: [polygonLayout, transmitterLayout, surfaceLayout, arrivalLayout].map((layout) => layout.wgsl()).join('') + source,
  uniforms: uniforms({
    cols: 'u32',
    rows: 'u32',
    x0: 'f32',
    y1: 'f32',
    cellWidth: 'f32',
    cellHeight: 'f32',
    beta0: 'f32',
    alphaLos: 'f32',
    alphaNlos: 'f32',
    nlosBlocked: 'u32',
    polygonCount: 'u32',
    transmitterCount: 'u32',
    surfaceCount: 'u32',
  }),
});

const WORKGROUP = 8;

/** The field model as the kernel's storage buffers (plain typed data: testable without a GPU). */
export interface PackedField {
  vertices: Float32Array;
  polygons: ArrayBuffer;
  transmitters: ArrayBuffer;
  surfaces: ArrayBuffer;
  arrivals: ArrayBuffer;
  counts: { polygons: number; transmitters: number; surfaces: number };
}

export function packField(model: FieldModel): PackedField {
  if (model.transmitters.length > LIMITS.transmitters) throw new RangeError(`the heatmap kernel takes at most ${LIMITS.transmitters} transmitters`);
  const { obstacles } = model;
  const polygons = Array.from(obstacles.starts, (start, i) => ({
    minX: obstacles.bboxes[4 * i],
    minY: obstacles.bboxes[4 * i + 1],
    maxX: obstacles.bboxes[4 * i + 2],
    maxY: obstacles.bboxes[4 * i + 3],
    start,
    count: obstacles.counts[i],
  }));
  const arrivals: { transmitter: number; signal: number; noise: number; etaMax: number }[] = [];
  const surfaces = model.surfaces.map((s) => {
    const arrivalStart = arrivals.length;
    for (const a of s.arrivals) arrivals.push({ transmitter: a.transmitter, signal: a.signal, noise: a.noise, etaMax: a.etaMax });
    return {
      x: s.x,
      y: s.y,
      nx: s.nx,
      ny: s.ny,
      elements: s.elements,
      activeElements: s.activeElements,
      passiveElements: s.passiveElements,
      sideM: s.sideM,
      ampNoise: s.ampNoise,
      arrivalStart,
      arrivalCount: s.arrivals.length,
      inside: insideAnyBuilding(obstacles, s.x, s.y) ? 1 : 0,
    };
  });
  return {
    vertices: Float32Array.from(obstacles.vertices.length > 0 ? obstacles.vertices : [0, 0]),
    polygons: polygonLayout.pack(polygons),
    transmitters: transmitterLayout.pack(model.transmitters.map((t) => ({ x: t.x, y: t.y, amplitude: t.amplitude, inside: insideAnyBuilding(obstacles, t.x, t.y) ? 1 : 0 }))),
    surfaces: surfaceLayout.pack(surfaces),
    arrivals: arrivalLayout.pack(arrivals),
    counts: { polygons: polygons.length, transmitters: model.transmitters.length, surfaces: surfaces.length },
  };
}

export interface HeatmapOutputs {
  snr: GPUBuffer;
  indoor: GPUBuffer;
}

/** Records the heatmap dispatch; outputs are allocated from the pool when not given. */
export function runIrsHeatmap(gpu: GpuContext, packed: PackedField, model: FieldModel, grid: Grid, outputs?: HeatmapOutputs): HeatmapOutputs {
  const cells = grid.cols * grid.rows;
  const out = outputs ?? { snr: gpu.acquire(cells * 4, undefined, 'irsHeatmap.snr'), indoor: gpu.acquire(cells * 4, undefined, 'irsHeatmap.indoor') };
  const inputs = [packed.vertices, new Uint8Array(packed.polygons), new Uint8Array(packed.transmitters), new Uint8Array(packed.surfaces), new Uint8Array(packed.arrivals)].map((data) => gpu.upload(data));
  const alphaNlos = model.pathLoss.alphaNlos;
  gpu.dispatch({
    kernel: irsHeatmapKernel,
    uniforms: {
      cols: grid.cols,
      rows: grid.rows,
      x0: grid.x0,
      y1: grid.y1,
      cellWidth: (grid.x1 - grid.x0) / grid.cols,
      cellHeight: (grid.y1 - grid.y0) / grid.rows,
      beta0: model.pathLoss.beta0,
      alphaLos: model.pathLoss.alphaLos,
      alphaNlos: alphaNlos ?? 0,
      nlosBlocked: alphaNlos === null ? 1 : 0,
      polygonCount: packed.counts.polygons,
      transmitterCount: packed.counts.transmitters,
      surfaceCount: packed.counts.surfaces,
    },
    bindings: [...inputs, out.snr, out.indoor],
    workgroups: [ceilDiv(grid.cols, WORKGROUP), ceilDiv(grid.rows, WORKGROUP)],
  });
  gpu.release(...inputs);
  return out;
}

/** Runs the kernel and reads the heatmap back. */
export async function irsHeatmapGpu(gpu: GpuContext, model: FieldModel, grid: Grid): Promise<SnrGrid> {
  const cells = grid.cols * grid.rows;
  const out = runIrsHeatmap(gpu, packField(model), model, grid);
  const snr = await gpu.readF32(out.snr, cells);
  const indoor = Uint8Array.from(new Uint32Array(await gpu.read(out.indoor, cells * 4)));
  gpu.release(out.snr, out.indoor);
  return { grid, snr, indoor };
}

/** The optimiser's option scores (src/lib/irs/optimiser.ts) with the kernel: one single-surface heatmap per option. */
export function gpuOptionScorer(gpu: GpuContext, grid: Grid): OptionScorer {
  return async (model, options, report) => {
    const vectors: Float32Array[] = [];
    for (let i = 0; i < options.length; i++) {
      vectors.push((await irsHeatmapGpu(gpu, { ...model, surfaces: [model.surfaces[i]] }, grid)).snr);
      await report(i + 1);
    }
    return vectors;
  };
}
