/**
 * CPU twin of src/kernels/opt/layerNorm.wgsl: y = (x − mean) / √(var + eps) · weight + bias per row
 * of a row-major [rows, width] matrix (biased variance, as torch.nn.LayerNorm). `weight`/`bias` are
 * null for `layer_norm_elementwise_affine: false`. Sums in float64.
 */
export interface LayerNormOptions {
  rows: number;
  width: number;
  weight: Float32Array | null;
  bias: Float32Array | null;
  eps: number;
}

export function layerNormCpu(x: Float32Array, options: LayerNormOptions): Float32Array {
  const { rows, width, weight, bias, eps } = options;
  if (x.length < rows * width) throw new RangeError(`layerNorm: input has ${x.length} values, needs ${rows}×${width}`);
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const offset = r * width;
    let sum = 0;
    for (let c = 0; c < width; c++) sum += x[offset + c];
    const mean = sum / width;
    let squares = 0;
    for (let c = 0; c < width; c++) squares += (x[offset + c] - mean) ** 2;
    const inverseStd = 1 / Math.sqrt(squares / width + eps);
    for (let c = 0; c < width; c++) {
      const normed = (x[offset + c] - mean) * inverseStd;
      out[offset + c] = normed * (weight ? weight[c] : 1) + (bias ? bias[c] : 0);
    }
  }
  return out;
}
