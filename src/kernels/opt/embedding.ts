import type { GpuContext } from '../gpu.ts';
import { ceilDiv, defineKernel } from '../kernel.ts';
import { uniforms } from '../uniforms.ts';
import { weightReaderSource, type WeightPrecision } from '../weightPrecision.ts';
import { grid2d } from './grid.ts';
import source from './embedding.wgsl?raw';

const embeddingUniforms = uniforms({ rows: 'u32', width: 'u32', chunkStart: 'u32', chunkRows: 'u32', seqLen: 'u32', positionOffset: 'u32' });

/**
 * GPU twins of `gatherRowsCpu` and `addPositionsCpu` (src/lib/opt/ops/embedding.ts); the f16 variant
 * gathers from a table of halves packed two per u32 (packHalves, each chunk packed on its own).
 */
export const embeddingKernels = {
  f32: defineKernel({ name: 'opt.embedding', source: source + weightReaderSource.f32, uniforms: embeddingUniforms }),
  f16: defineKernel({ name: 'opt.embedding.f16Table', source: source + weightReaderSource.f16, uniforms: embeddingUniforms }),
} satisfies Record<WeightPrecision, unknown>;

export const embeddingKernel = embeddingKernels.f32;

/** A block of consecutive table rows held in one buffer. */
export interface TableChunk {
  buffer: GPUBuffer;
  start: number;
  rows: number;
}

/** out [rows, width] = table rows named by `ids` (a u32 buffer of `rows` ids), chunk by chunk. */
export function runGather(
  gpu: GpuContext,
  buffers: { ids: GPUBuffer; chunks: readonly TableChunk[]; out?: GPUBuffer; tablePrecision?: WeightPrecision },
  shape: { rows: number; width: number },
): GPUBuffer {
  const out = buffers.out ?? gpu.acquire(shape.rows * shape.width * 4, undefined, 'embedding.out');
  const workgroups = grid2d(gpu, ceilDiv(shape.rows * shape.width, 256));
  for (const chunk of buffers.chunks) {
    gpu.dispatch({
      kernel: embeddingKernels[buffers.tablePrecision ?? 'f32'],
      constants: { ADD_POSITIONS: false },
      uniforms: { ...shape, chunkStart: chunk.start, chunkRows: chunk.rows, seqLen: 1, positionOffset: 0 },
      bindings: [buffers.ids, chunk.buffer, out],
      workgroups,
    });
  }
  return out;
}

/** x [batch·seqLen, width] += positions[positionOffset + t + 2] for token t of each sequence, in place. */
export function runAddPositions(
  gpu: GpuContext,
  buffers: { x: GPUBuffer; positions: GPUBuffer },
  shape: { batch: number; seqLen: number; width: number; positionOffset: number },
): GPUBuffer {
  const rows = shape.batch * shape.seqLen;
  gpu.dispatch({
    kernel: embeddingKernel,
    constants: { ADD_POSITIONS: true },
    uniforms: { rows, width: shape.width, chunkStart: 0, chunkRows: 0, seqLen: shape.seqLen, positionOffset: shape.positionOffset },
    bindings: [gpu.emptyBinding, buffers.positions, buffers.x],
    workgroups: grid2d(gpu, ceilDiv(rows * shape.width, 256)),
  });
  return buffers.x;
}
