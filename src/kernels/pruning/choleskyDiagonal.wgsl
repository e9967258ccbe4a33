// One diagonal block of the blocked right-looking Cholesky factorisation A = L·Lᵀ (FASP's restoration solve,
// issue #4 §3): the `size`×`size` block at (k0, k0) of A (leading dimension ld), already updated by the
// earlier panels, is factored in workgroup memory and written back as L_kk (lower triangle, zeros above),
// and also into slot `block` of `diagBlocks` (32×32 each), where the triangular solves read it without
// aliasing the matrix they write. A pivot that is not positive sets status[0] = 1.

const B: u32 = 32u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> diagBlocks: array<f32>;
@group(0) @binding(3) var<storage, read_write> status: array<u32>;

var<workgroup> blk: array<f32, 1024>; // [B, B]

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(local_invocation_index) local: u32) {
  let b = params.size;
  let origin = params.k0 * params.ld + params.k0;
  for (var e = local; e < B * B; e += 256u) {
    let r = e / B;
    let c = e % B;
    var value = 0.0;
    if (r < b && c < b) { value = a[origin + r * params.ld + c]; }
    blk[e] = value;
  }
  workgroupBarrier();

  for (var j = 0u; j < b; j++) {
    if (local == 0u) {
      let pivot = blk[j * B + j];
      if (!(pivot > 0.0)) { status[0] = 1u; }
      blk[j * B + j] = sqrt(max(pivot, 1e-30));
    }
    workgroupBarrier();
    if (local > j && local < b) { blk[local * B + j] /= blk[j * B + j]; }
    workgroupBarrier();
    for (var e = local; e < B * B; e += 256u) {
      let r = e / B;
      let c = e % B;
      if (r < b && c > j && c <= r) { blk[e] -= blk[r * B + j] * blk[c * B + j]; }
    }
    workgroupBarrier();
  }

  for (var e = local; e < B * B; e += 256u) {
    let r = e / B;
    let c = e % B;
    let value = select(0.0, blk[e], c <= r && r < b);
    diagBlocks[params.block * B * B + e] = value;
    if (r < b && c < b) { a[origin + r * params.ld + c] = value; }
  }
}
