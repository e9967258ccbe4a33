// Column scores of a consumer matrix W [dOut, n] from per-column sums (issue #4, §2 and baselines):
//   METRIC 0  wanda-l1     S_j = ‖X_j‖₂ · Σ_i |W_ij|        (FASP's metric; weightReduction = Σ_i |W_ij|)
//   METRIC 1  wanda-l2     S_j = ‖X_j‖₂ · ‖W_j‖₂            (weightReduction = Σ_i W_ij²)
//   METRIC 2  magnitude    S_j = ‖W_j‖₂
//   METRIC 3  fluctuation  S_j = Var(X_j) · ‖W_j‖₂²          (FLAP; variance over the T tokens)
// The sums come from colReduce.wgsl (activations streamed chunk by chunk, W once).

override METRIC: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> activationSumSq: array<f32>;
@group(0) @binding(2) var<storage, read> activationSum: array<f32>;
@group(0) @binding(3) var<storage, read> weightReduction: array<f32>;
@group(0) @binding(4) var<storage, read_write> scores: array<f32>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x;
  if (j >= params.n) { return; }
  let w = weightReduction[j];
  var score = 0.0;
  switch (METRIC) {
    case 0u: { score = sqrt(activationSumSq[j]) * w; }
    case 1u: { score = sqrt(activationSumSq[j]) * sqrt(w); }
    case 2u: { score = sqrt(w); }
    default: {
      var variance = 0.0;
      if (params.tokens > 0.0) {
        let mean = activationSum[j] / params.tokens;
        variance = max(0.0, activationSumSq[j] / params.tokens - mean * mean);
      }
      score = variance * w;
    }
  }
  scores[j] = score;
}
