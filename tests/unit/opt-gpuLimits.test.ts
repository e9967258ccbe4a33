import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/kernels/gpu.ts';
import { WeightBuffers } from '../../src/kernels/opt/gpuWeights.ts';
import { InputError } from '../../src/lib/errors.ts';

/**
 * A model larger than the device's limits (issue 3, bad input). No GPU runs here: a context whose
 * device binds at most 4 KiB per buffer and records what it is asked to create.
 */
function smallDevice(bindingBytes: number) {
  const created: number[] = [];
  const gpu = {
    limits: { maxBufferSize: 1 << 30, maxStorageBufferBindingSize: bindingBytes },
    device: { createBuffer: ({ size }: { size: number }) => (created.push(size), { size, destroy() {} }) },
    write() {},
  } as unknown as GpuContext;
  return { gpu, created };
}

describe('OPT weights on a device with small limits', () => {
  it('refuses a tensor over the binding limit with a message naming it, the sizes and the way out', () => {
    const { gpu, created } = smallDevice(4096);
    const weights = new WeightBuffers(gpu);
    const upload = () => weights.upload(new Float32Array(1025), 'decoder.layers.0.fc1.weight');
    expect(upload).toThrow(InputError);
    expect(upload).toThrow(/decoder\.layers\.0\.fc1\.weight needs 4\.00 KiB in one buffer/);
    try {
      upload();
    } catch (error) {
      expect((error as InputError).detail).toMatch(/\?backend=cpu/);
    }
    expect(created).toEqual([]);
    expect(weights.bytes).toBe(0);
  });

  it('splits a table (the embedding) into chunks that each fit, covering every row once', () => {
    const { gpu, created } = smallDevice(4096);
    const weights = new WeightBuffers(gpu);
    const width = 24; // 96 bytes a row: 42 rows fit in 4 KiB
    const chunks = weights.uploadTable(new Float32Array(100 * width), width, 1000, 'embed_tokens');
    expect(chunks.map((c) => [c.start, c.rows])).toEqual([[0, 42], [42, 42], [84, 16]]);
    expect(Math.max(...created)).toBeLessThanOrEqual(4096);
    expect(weights.bytes).toBe(100 * width * 4);
  });
});
