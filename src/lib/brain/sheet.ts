import { Rng } from '../util/random.ts';

/**
 * The 2-D cortical sheet every subject shares (uniform processing: voxel v is the same place for all),
 * a `width × height` torus so that blurs and shifts need no edge rules. Voxel v = y·width + x.
 */
export interface Sheet {
  width: number;
  height: number;
}

export function voxelCount(sheet: Sheet): number {
  return sheet.width * sheet.height;
}

/** Circular 1-D Gaussian weights of standard deviation `sigma` voxels, truncated at 3σ, summing to 1. */
function gaussianWeights(sigma: number): Float64Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const weights = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) sum += weights[k + radius] = Math.exp(-(k * k) / (2 * sigma * sigma));
  for (let k = 0; k < weights.length; k++) weights[k] /= sum;
  return weights;
}

/** Separable circular Gaussian blur of one map on the sheet (in place). σ = 0 leaves it as it is. */
export function blurOnSheet(map: Float64Array, sheet: Sheet, sigma: number): Float64Array {
  if (sigma <= 0) return map;
  const { width, height } = sheet;
  const weights = gaussianWeights(sigma);
  const radius = (weights.length - 1) / 2;
  const row = new Float64Array(Math.max(width, height));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = -radius; k <= radius; k++) sum += weights[k + radius] * map[y * width + ((((x + k) % width) + width) % width)];
      row[x] = sum;
    }
    for (let x = 0; x < width; x++) map[y * width + x] = row[x];
  }
  if (height > 1) {
    for (let x = 0; x < width; x++) {
      for (let y = 0; y < height; y++) {
        let sum = 0;
        for (let k = -radius; k <= radius; k++) sum += weights[k + radius] * map[((((y + k) % height) + height) % height) * width + x];
        row[y] = sum;
      }
      for (let y = 0; y < height; y++) map[y * width + x] = row[y];
    }
  }
  return map;
}

/**
 * `count` independent spatially smooth random maps: white noise blurred by a Gaussian of σ = `smoothness`
 * voxels, each rescaled to mean 0 and variance 1 over the sheet, so maps from different draws are
 * independent with unit-variance entries. Returns [V, count] (voxel-major, as A z needs it).
 */
export function smoothMaps(sheet: Sheet, count: number, smoothness: number, rng: Rng): Float64Array {
  const v = voxelCount(sheet);
  const out = new Float64Array(v * count);
  const map = new Float64Array(v);
  for (let k = 0; k < count; k++) {
    for (let i = 0; i < v; i++) map[i] = rng.normal();
    blurOnSheet(map, sheet, smoothness);
    let mean = 0;
    for (let i = 0; i < v; i++) mean += map[i];
    mean /= v;
    let variance = 0;
    for (let i = 0; i < v; i++) variance += (map[i] - mean) ** 2;
    const scale = 1 / Math.sqrt(variance / v || 1);
    for (let i = 0; i < v; i++) out[i * count + k] = (map[i] - mean) * scale;
  }
  return out;
}

/** Rolls voxel-major rows [V, cols] by (dx, dy) on the torus: out(x, y) = in(x − dx, y − dy). */
export function shiftOnSheet(rows: Float64Array, cols: number, sheet: Sheet, dx: number, dy: number): Float64Array {
  if (dx === 0 && dy === 0) return rows;
  const { width, height } = sheet;
  const out = new Float64Array(rows.length);
  for (let y = 0; y < height; y++) {
    const sy = (((y - dy) % height) + height) % height;
    for (let x = 0; x < width; x++) {
      const sx = (((x - dx) % width) + width) % width;
      const from = (sy * width + sx) * cols;
      out.set(rows.subarray(from, from + cols), (y * width + x) * cols);
    }
  }
  return out;
}
