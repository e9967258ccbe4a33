// Lee–Seung W update for a batch of NMF problems, one workgroup per problem:
//   W ← W ∘ (E·Hᵀ) / (W·(H·Hᵀ) + ε),  then WᵀW for the next H update, and
//   VAF = 1 − (‖E‖² − 2⟨W, E·Hᵀ⟩ + ⟨WᵀW, H·Hᵀ⟩) / ‖E‖²  (no pass over E needed),
// and the convergence rule: every `checkEvery` iterations, converged when
// |VAF − VAF at the last check| < tolerance · |VAF| (tolerance 0 never stops early). The sums come
// from nmfUpdateH's per-chunk partials.

const WG: u32 = 256u;

struct Status {
  vaf: f32,
  vafAtCheck: f32,
  iterations: u32,
  converged: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> partials: array<f32>;      // [problem, chunk, (m + kStride) · kStride]
@group(0) @binding(2) var<storage, read_write> w: array<f32>;       // per problem [m, k] at problems[p].y
@group(0) @binding(3) var<storage, read_write> wtw: array<f32>;     // per problem [kStride, kStride]
@group(0) @binding(4) var<storage, read> problems: array<vec4<u32>>; // (k, wOffset, hOffset, -)
@group(0) @binding(5) var<storage, read_write> status: array<Status>;

var<workgroup> stats: array<f32, 768>; // [E·Hᵀ (m × k) ; H·Hᵀ (k × k)]
var<workgroup> oldW: array<f32, 512>;
var<workgroup> newW: array<f32, 512>;
var<workgroup> gram: array<f32, 256>;
var<workgroup> partialSums: array<f32, WG>;
var<workgroup> skip: u32;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let p = group.x;
  if (t == 0u) { skip = status[p].converged; }
  if (workgroupUniformLoad(&skip) != 0u) { return; }

  let info = problems[p];
  let k = info.x;
  let m = params.m;
  let stride = (m + params.kStride) * params.kStride;
  for (var entry = t; entry < (m + k) * k; entry += WG) {
    var sum = 0.0;
    for (var c = 0u; c < params.chunks; c++) { sum += partials[(p * params.chunks + c) * stride + entry]; }
    stats[entry] = sum;
  }
  for (var i = t; i < m * k; i += WG) { oldW[i] = w[info.y + i]; }
  workgroupBarrier();

  for (var index = t; index < m * k; index += WG) {
    let i = index / k;
    let r = index % k;
    var den = 0.0;
    for (var s = 0u; s < k; s++) { den = fma(oldW[i * k + s], stats[(m + s) * k + r], den); }
    let value = oldW[index] * stats[index] / (den + params.epsilon);
    newW[index] = value;
    w[info.y + index] = value;
  }
  workgroupBarrier();

  for (var index = t; index < k * k; index += WG) {
    let r = index / k;
    let s = index % k;
    var sum = 0.0;
    for (var i = 0u; i < m; i++) { sum = fma(newW[i * k + r], newW[i * k + s], sum); }
    gram[index] = sum;
    wtw[p * params.kStride * params.kStride + index] = sum;
  }
  workgroupBarrier();

  var local = 0.0;
  for (var index = t; index < m * k; index += WG) { local -= 2.0 * newW[index] * stats[index]; }
  for (var index = t; index < k * k; index += WG) { local += gram[index] * stats[m * k + index]; }
  partialSums[t] = local;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half >>= 1u) {
    if (t < half) { partialSums[t] += partialSums[t + half]; }
    workgroupBarrier();
  }

  if (t == 0u) {
    let vaf = 1.0 - (params.normE2 + partialSums[0]) / params.normE2;
    var s = status[p];
    s.iterations += 1u;
    s.vaf = vaf;
    if (s.iterations % params.checkEvery == 0u) {
      if (abs(vaf - s.vafAtCheck) < params.tolerance * abs(vaf)) { s.converged = 1u; }
      s.vafAtCheck = vaf;
    }
    status[p] = s;
  }
}
