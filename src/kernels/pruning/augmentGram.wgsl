// The Gram of X augmented with a constant column (FASP's bias refit, restoration.ts): with s = Σ_t X_t
// (the column sums) and T tokens,
//   out [(n+1), (n+1)] = [[G, s], [sᵀ, T]],
// built on the device from the resident statistics, so the refit needs no round trip either.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gram: array<f32>;
@group(0) @binding(2) var<storage, read> colSum: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let n = params.n;
  let size = n + 1u;
  let i = id.y;
  let j = id.x;
  if (i >= size || j >= size) { return; }
  var value = params.tokens;
  if (i < n && j < n) {
    value = gram[i * n + j];
  } else if (i < n || j < n) {
    value = colSum[min(i, j)];
  }
  out[i * size + j] = value;
}
