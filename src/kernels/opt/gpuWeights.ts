import { InputError } from '../../lib/errors.ts';
import { formatBytes, type GpuContext } from '../gpu.ts';
import type { TableChunk } from './embedding.ts';

/**
 * Weight buffers of the WebGPU path. They are created outside the pool (weights live as long as the
 * model and must really be freed when a pruned layer replaces them) and counted, so the page can show
 * how much GPU memory the model holds.
 */
const STORAGE = 0x80;
const COPY_SRC = 0x04;
const COPY_DST = 0x08;

/** Largest buffer the device binds as storage. */
export function maxBindingBytes(gpu: GpuContext): number {
  return Math.min(gpu.limits.maxBufferSize, gpu.limits.maxStorageBufferBindingSize);
}

export class WeightBuffers {
  private readonly live = new Set<GPUBuffer>();
  bytes = 0;

  constructor(private readonly gpu: GpuContext) {}

  upload(data: Float32Array | Uint32Array, label: string): GPUBuffer {
    const byteLength = Math.max(16, data.byteLength);
    if (byteLength > maxBindingBytes(this.gpu)) {
      throw new InputError(
        `The model is larger than this GPU allows: ${label} needs ${formatBytes(byteLength)} in one buffer`,
        `this device binds at most ${formatBytes(maxBindingBytes(this.gpu))} per buffer; use the CPU path (?backend=cpu) or a smaller model`,
      );
    }
    const buffer = this.gpu.device.createBuffer({ label, size: Math.ceil(byteLength / 4) * 4, usage: STORAGE | COPY_SRC | COPY_DST });
    this.gpu.write(buffer, data);
    this.live.add(buffer);
    this.bytes += buffer.size;
    return buffer;
  }

  /** A [rows, width] table split into buffers of at most `maxRows` rows and the binding limit. */
  uploadTable(data: Float32Array, width: number, maxRows: number, label: string): TableChunk[] {
    const rows = data.length / width;
    const rowsPerChunk = Math.max(1, Math.min(maxRows, Math.floor(maxBindingBytes(this.gpu) / (width * 4))));
    const chunks: TableChunk[] = [];
    for (let start = 0; start < rows; start += rowsPerChunk) {
      const n = Math.min(rowsPerChunk, rows - start);
      chunks.push({ buffer: this.upload(data.subarray(start * width, (start + n) * width), `${label}[${start}…]`), start, rows: n });
    }
    return chunks;
  }

  destroy(...buffers: (GPUBuffer | null | undefined)[]): void {
    for (const buffer of buffers) {
      if (!buffer || !this.live.delete(buffer)) continue;
      this.bytes -= buffer.size;
      buffer.destroy();
    }
  }

  destroyAll(): void {
    this.destroy(...this.live);
  }
}
