// firstBad[0] = min(firstBad[0], j) over the j < n whose value is NaN or ±∞ (all exponent bits set), so the
// resident pruning step can refuse bad scores as the CPU path does (methods.ts) by reading back one word
// instead of the scores. firstBad[0] starts at 0xffffffff (none).

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read_write> firstBad: array<atomic<u32>>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x;
  if (j >= params.n) { return; }
  if ((bitcast<u32>(values[j]) & 0x7f800000u) == 0x7f800000u) { atomicMin(&firstBad[0], j); }
}
