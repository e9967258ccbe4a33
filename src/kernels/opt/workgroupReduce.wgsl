// Workgroup-wide max and sum, appended to the kernels that reduce over a row (attention, layer norm,
// NLL); tests/browser/opt-workgroupReduce.test.ts checks them on their own. The including kernel declares
// `const WORKGROUP: u32` (a power of two) and calls these from workgroup-uniform control flow: every
// invocation must reach the barriers.
var<workgroup> partial: array<f32, WORKGROUP>;

fn workgroupMax(local: u32, value: f32) -> f32 {
  partial[local] = value;
  workgroupBarrier();
  for (var stride = WORKGROUP / 2u; stride > 0u; stride = stride / 2u) {
    if (local < stride) { partial[local] = max(partial[local], partial[local + stride]); }
    workgroupBarrier();
  }
  let result = partial[0];
  workgroupBarrier();
  return result;
}

fn workgroupSum(local: u32, value: f32) -> f32 {
  partial[local] = value;
  workgroupBarrier();
  for (var stride = WORKGROUP / 2u; stride > 0u; stride = stride / 2u) {
    if (local < stride) { partial[local] += partial[local + stride]; }
    workgroupBarrier();
  }
  let result = partial[0];
  workgroupBarrier();
  return result;
}
