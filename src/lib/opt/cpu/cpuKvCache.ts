import type { OptConfig } from '../config.ts';
import type { KvCache } from '../runtime.ts';

/**
 * Keys and values of earlier positions for the CPU path: per layer, keys [batch, capacity, H] and
 * values [batch, capacity, vDim_l] in typed arrays. A decoding step appends each layer's new rows at
 * `length` and then advances it once.
 */
export class CpuKvCache implements KvCache {
  private readonly keys: Float32Array[];
  private readonly values: Float32Array[];
  private stored = 0;

  constructor(
    private readonly config: OptConfig,
    readonly batch: number,
    readonly capacity: number,
  ) {
    this.keys = config.vDims.map(() => new Float32Array(batch * capacity * config.hiddenSize));
    this.values = config.vDims.map((vDim) => new Float32Array(batch * capacity * vDim));
  }

  get length(): number {
    return this.stored;
  }

  advance(tokens: number): void {
    if (this.stored + tokens > this.capacity) throw new RangeError(`KV cache overflow: ${this.stored} + ${tokens} > ${this.capacity}`);
    this.stored += tokens;
  }

  /**
   * Writes this step's keys [batch·steps, H] and values [batch·steps, vDim] for `layer` and returns all
   * keys and values so far, contiguous per sequence ([batch·keyLen, …]).
   */
  append(layer: number, keys: Float32Array, values: Float32Array, steps: number, vDim: number): { keys: Float32Array; values: Float32Array; keyLen: number } {
    const H = this.config.hiddenSize;
    const keyLen = this.stored + steps;
    if (keyLen > this.capacity) throw new RangeError(`KV cache overflow: ${keyLen} positions > capacity ${this.capacity}`);
    if (vDim * this.batch * this.capacity !== this.values[layer].length) throw new RangeError(`KV cache: layer ${layer} was made for another value width`);
    const keyStore = this.keys[layer];
    const valueStore = this.values[layer];
    for (let b = 0; b < this.batch; b++) {
      keyStore.set(keys.subarray(b * steps * H, (b + 1) * steps * H), (b * this.capacity + this.stored) * H);
      valueStore.set(values.subarray(b * steps * vDim, (b + 1) * steps * vDim), (b * this.capacity + this.stored) * vDim);
    }
    if (this.batch === 1) return { keys: keyStore.subarray(0, keyLen * H), values: valueStore.subarray(0, keyLen * vDim), keyLen };
    const outKeys = new Float32Array(this.batch * keyLen * H);
    const outValues = new Float32Array(this.batch * keyLen * vDim);
    for (let b = 0; b < this.batch; b++) {
      outKeys.set(keyStore.subarray(b * this.capacity * H, (b * this.capacity + keyLen) * H), b * keyLen * H);
      outValues.set(valueStore.subarray(b * this.capacity * vDim, (b * this.capacity + keyLen) * vDim), b * keyLen * vDim);
    }
    return { keys: outKeys, values: outValues, keyLen };
  }

  dispose(): void {}
}
