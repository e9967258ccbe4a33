import type { OptConfig } from '../../lib/opt/config.ts';
import type { KvCache } from '../../lib/opt/runtime.ts';
import type { GpuContext } from '../gpu.ts';

/**
 * Keys and values of earlier positions on the GPU: per layer, keys [batch, capacity, H] and values
 * [batch, capacity, vDim_l]. Each step's rows are copied in at `length` (no kernel needed), and the
 * attention kernel reads them with a row stride of `capacity`.
 */
export class GpuKvCache implements KvCache {
  readonly keys: GPUBuffer[];
  readonly values: GPUBuffer[];
  private stored = 0;

  constructor(
    private readonly gpu: GpuContext,
    private readonly config: OptConfig,
    readonly batch: number,
    readonly capacity: number,
  ) {
    this.keys = config.vDims.map(() => gpu.acquire(batch * capacity * config.hiddenSize * 4, undefined, 'kvCache.keys'));
    this.values = config.vDims.map((vDim) => gpu.acquire(Math.max(1, batch * capacity * vDim) * 4, undefined, 'kvCache.values'));
  }

  get length(): number {
    return this.stored;
  }

  advance(tokens: number): void {
    if (this.stored + tokens > this.capacity) throw new RangeError(`KV cache overflow: ${this.stored} + ${tokens} > ${this.capacity}`);
    this.stored += tokens;
  }

  /** Copies this step's keys [batch·steps, H] and values [batch·steps, vDim] of `layer` in at `length`. */
  append(layer: number, keys: GPUBuffer, values: GPUBuffer, steps: number, vDim: number): number {
    const keyLen = this.stored + steps;
    if (keyLen > this.capacity) throw new RangeError(`KV cache overflow: ${keyLen} positions > capacity ${this.capacity}`);
    if (vDim !== this.config.vDims[layer]) throw new RangeError(`KV cache: layer ${layer} was made for another value width`);
    const H = this.config.hiddenSize;
    for (let b = 0; b < this.batch; b++) {
      this.gpu.copy(keys, this.keys[layer], steps * H * 4, b * steps * H * 4, (b * this.capacity + this.stored) * H * 4);
      if (vDim > 0) this.gpu.copy(values, this.values[layer], steps * vDim * 4, b * steps * vDim * 4, (b * this.capacity + this.stored) * vDim * 4);
    }
    return keyLen;
  }

  dispose(): void {
    this.gpu.release(...this.keys, ...this.values);
  }
}
