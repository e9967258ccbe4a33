import { InputError } from '../../lib/errors.ts';
import { packHalves, unpackHalves } from '../../lib/util/half.ts';
import { formatBytes, type GpuContext } from '../gpu.ts';
import { WEIGHT_BYTES, type WeightPrecision } from '../weightPrecision.ts';
import type { TableChunk } from './embedding.ts';

/**
 * Weight buffers of the WebGPU path. They are created outside the pool (weights live as long as the
 * model and must really be freed when a pruned layer replaces them) and counted, so the page can show
 * how much GPU memory the model holds. Matrices may be stored as halves (`uploadMatrix` with 'f16':
 * packHalves, read by the kernels' weightsF16.wgsl); vectors (biases, norms) always stay f32.
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

  /** A weight matrix in the given precision (f16: rounded to nearest even, two halves per u32). */
  uploadMatrix(data: Float32Array, precision: WeightPrecision, label: string): GPUBuffer {
    return this.upload(precision === 'f16' ? packHalves(data) : data, label);
  }

  /** The first `length` values of a matrix uploaded by uploadMatrix, as f32. */
  async readMatrix(buffer: GPUBuffer, length: number, precision: WeightPrecision): Promise<Float32Array> {
    if (precision === 'f32') return this.gpu.readF32(buffer, length);
    const words = Math.ceil(length / 2);
    return unpackHalves(new Uint32Array(await this.gpu.read(buffer, words * 4)), length);
  }

  /** A [rows, width] table split into buffers of at most `maxRows` rows and the binding limit. */
  uploadTable(data: Float32Array, width: number, maxRows: number, label: string, precision: WeightPrecision = 'f32'): TableChunk[] {
    const rows = data.length / width;
    const rowsPerChunk = Math.max(1, Math.min(maxRows, Math.floor(maxBindingBytes(this.gpu) / (width * WEIGHT_BYTES[precision]))));
    const chunks: TableChunk[] = [];
    for (let start = 0; start < rows; start += rowsPerChunk) {
      const n = Math.min(rowsPerChunk, rows - start);
      chunks.push({ buffer: this.uploadMatrix(data.subarray(start * width, (start + n) * width), precision, `${label}[${start}…]`), start, rows: n });
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
