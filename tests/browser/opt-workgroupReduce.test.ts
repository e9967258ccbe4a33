import { describe, expect, it } from 'vitest';
import { defineKernel } from '../../src/kernels/kernel.ts';
import workgroupReduce from '../../src/kernels/opt/workgroupReduce.wgsl?raw';
import { uniforms } from '../../src/kernels/uniforms.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { maxRelativeError } from '../helpers/compare.ts';
import { poisoned, testGpu } from './gpu.ts';

// workgroupReduce.wgsl (the max and sum that attention, layer norm and NLL append) on its own: a probe
// kernel reduces each row with it, against the same reductions in float64 on the CPU. Widths below,
// at and above the workgroup size, and not multiples of it; the seed is printed to replay a failure.
const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
console.info(`[opt.workgroupReduce] seed ${seed}`);
const rng = new Rng(seed);

const probeKernel = defineKernel({
  name: 'test.workgroupReduce',
  source: /* wgsl */ `
const WORKGROUP: u32 = 64u;
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  let offset = group.x * params.width;
  var localMax = -3.4e38;
  var localSum = 0.0;
  for (var c = local; c < params.width; c += WORKGROUP) {
    localMax = max(localMax, x[offset + c]);
    localSum += x[offset + c];
  }
  let rowMax = workgroupMax(local, localMax);
  let rowSum = workgroupSum(local, localSum);
  if (local == 0u) {
    out[2u * group.x] = rowMax;
    out[2u * group.x + 1u] = rowSum;
  }
}
` + workgroupReduce,
  uniforms: uniforms({ width: 'u32' }),
});

/** [max, sum] of each row, in float64. */
function reduceRowsCpu(x: Float32Array, rows: number, width: number): Float32Array {
  const out = new Float32Array(2 * rows);
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(r * width, (r + 1) * width);
    out[2 * r] = row.reduce((m, v) => Math.max(m, v), -Infinity);
    out[2 * r + 1] = row.reduce((s, v) => s + v, 0);
  }
  return out;
}

describe('WGSL workgroupReduce against its CPU twin', () => {
  for (const { rows, width } of [
    { rows: 1, width: 1 },
    { rows: 3, width: 63 },
    { rows: 5, width: 64 },
    { rows: 4, width: 1000 },
  ]) {
    it(`max and sum of ${rows} rows of ${width}`, async () => {
      const gpu = await testGpu();
      // Positive values keep the sum away from cancellation, so a relative bound is meaningful.
      const x = rng.fillUniform(new Float32Array(rows * width), 0.5, 2);
      const out = poisoned(gpu, 2 * rows);
      gpu.dispatch({ kernel: probeKernel, uniforms: { width }, bindings: [gpu.upload(x), out], workgroups: [rows] });
      const got = await gpu.readF32(out, 2 * rows);
      expect(maxRelativeError(got, reduceRowsCpu(x, rows, width))).toBeLessThanOrEqual(1e-4);
    });
  }
});
