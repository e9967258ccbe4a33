// Bitonic sort of (score, column index) pairs into keep order: score descending, ties by the lower index,
// NaN ranked as −∞ (the order of rankColumns in src/lib/pruning/topK.ts). The pairs are padded to a power
// of two P with (−∞, n + p), which sort after every real column. With INIT the pairs are built from the
// scores; otherwise one compare-exchange stage (block size k, distance j) runs, one invocation per pair.

override INIT: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> keys: array<f32>;
@group(0) @binding(2) var<storage, read_write> indices: array<u32>;
@group(0) @binding(3) var<storage, read> scores: array<f32>;

// −∞ built at run time: a constant expression may not be infinite.
fn negativeInfinity() -> f32 {
  var bits = 0xff800000u;
  return bitcast<f32>(bits);
}

// NaN detected on its bits: compilers may fold `x != x` away.
fn sanitized(value: f32) -> f32 {
  if ((bitcast<u32>(value) & 0x7fffffffu) > 0x7f800000u) { return negativeInfinity(); }
  return value;
}

// Whether the pair at a comes before the pair at b in keep order.
fn before(a: u32, b: u32) -> bool {
  let ka = keys[a];
  let kb = keys[b];
  return ka > kb || (ka == kb && indices[a] < indices[b]);
}

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let t = id.y * groups.x * 256u + id.x;
  if (INIT) {
    if (t >= params.padded) { return; }
    keys[t] = select(negativeInfinity(), sanitized(scores[min(t, params.n - 1u)]), t < params.n);
    indices[t] = t;
    return;
  }
  if (t >= params.padded / 2u) { return; }
  let j = params.j;
  let i = 2u * j * (t / j) + (t % j);
  let l = i + j;
  // Blocks of size k alternate direction, so merged halves are bitonic; the last stage (k = P) is forward.
  let forward = (i & params.k) == 0u;
  let swap = select(before(i, l), before(l, i), forward);
  if (swap) {
    let key = keys[i];
    keys[i] = keys[l];
    keys[l] = key;
    let index = indices[i];
    indices[i] = indices[l];
    indices[l] = index;
  }
}
