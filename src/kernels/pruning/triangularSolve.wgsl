// Row-wise triangular solves against one 32×32 diagonal block L_kk of a Cholesky factor (from
// choleskyDiagonal.wgsl), in place on columns [colOffset, colOffset + size) of rows
// [rowOffset, rowOffset + rows) of X (leading dimension ldx). Each invocation owns one row x:
//   forward   x · L_kkᵀ = y   (the Cholesky panel L_ik = A_ik L_kk⁻ᵀ, and Y·Lᵀ = M)
//   BACKWARD  x · L_kk  = y   (Z·L = Y)
// The solved columns are also written, compact [rows, size], to `panel`: the block update that follows
// reads them there, since it writes into X.

override BACKWARD: bool = false;

const B: u32 = 32u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> diagBlocks: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> panel: array<f32>;

var<workgroup> lkk: array<f32, 1024>; // [B, B]

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  for (var e = local; e < B * B; e += 64u) { lkk[e] = diagBlocks[params.block * B * B + e]; }
  workgroupBarrier();
  let r = id.x;
  if (r >= params.rows) { return; }
  let b = params.size;
  let base = (params.rowOffset + r) * params.ldx + params.colOffset;
  var v: array<f32, 32>;
  for (var c = 0u; c < b; c++) { v[c] = x[base + c]; }
  if (BACKWARD) {
    for (var step = 0u; step < b; step++) {
      let c = b - 1u - step;
      var sum = v[c];
      for (var p = c + 1u; p < b; p++) { sum -= v[p] * lkk[p * B + c]; }
      v[c] = sum / lkk[c * B + c];
    }
  } else {
    for (var c = 0u; c < b; c++) {
      var sum = v[c];
      for (var p = 0u; p < c; p++) { sum -= v[p] * lkk[c * B + p]; }
      v[c] = sum / lkk[c * B + c];
    }
  }
  for (var c = 0u; c < b; c++) {
    x[base + c] = v[c];
    panel[r * b + c] = v[c];
  }
}
