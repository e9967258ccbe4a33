import type { CalibrationStats } from './calibrationStats.ts';

/**
 * Relative output error of a pruned consumer on the calibration data:
 *
 *   ‖(X_{:,K} W'_Kᵀ + 1b'ᵀ) − (X Wᵀ + 1bᵀ)‖_F / ‖X Wᵀ + 1bᵀ‖_F
 *
 * computed from the streamed statistics alone (no activations kept): with Δ = W' − W (zero-filled on
 * the dropped columns, so Δ_{:,D} = −W_{:,D}) and Δb = b' − b, each output row i contributes
 * Δ_i G Δ_iᵀ + 2 Δb_i (Δ_i · colSum) + T Δb_i². Costs 2·dOut·n² multiply-adds, so it is optional in
 * the pipeline. Float64.
 */
export function layerOutputError(
  dense: { weight: Float32Array; bias: Float32Array; dOut: number; n: number },
  pruned: { weightKept: Float32Array; bias: Float32Array; kept: Int32Array },
  stats: CalibrationStats,
): number {
  const { weight, bias, dOut, n } = dense;
  const gram = stats.gram;
  if (!gram || stats.width !== n) throw new RangeError(`layer error: needs the Gram of width ${n}`);
  const { weightKept, kept } = pruned;
  const keptCount = kept.length;
  const delta = new Float64Array(n);
  const row = new Float64Array(n);
  let errorSq = 0;
  let referenceSq = 0;
  for (let i = 0; i < dOut; i++) {
    for (let j = 0; j < n; j++) row[j] = weight[i * n + j];
    for (let j = 0; j < n; j++) delta[j] = -row[j];
    for (let c = 0; c < keptCount; c++) delta[kept[c]] += weightKept[i * keptCount + c];
    const biasDelta = pruned.bias[i] - bias[i];
    errorSq += affineOutputNormSq(delta, biasDelta, gram, stats.colSum, stats.tokens, n);
    referenceSq += affineOutputNormSq(row, bias[i], gram, stats.colSum, stats.tokens, n);
  }
  return referenceSq === 0 ? Math.sqrt(Math.max(0, errorSq)) : Math.sqrt(Math.max(0, errorSq) / referenceSq);
}

/** ‖X v + β·1‖² = vᵀGv + 2β (v · colSum) + T β². */
function affineOutputNormSq(v: Float64Array, beta: number, gram: Float64Array, colSum: Float64Array, tokens: number, n: number): number {
  let quadratic = 0;
  let linear = 0;
  for (let a = 0; a < n; a++) {
    const va = v[a];
    linear += va * colSum[a];
    if (va === 0) continue;
    const ga = a * n;
    let dot = 0;
    for (let b = 0; b < n; b++) dot += gram[ga + b] * v[b];
    quadratic += va * dot;
  }
  return quadratic + 2 * beta * linear + tokens * beta * beta;
}
