import { checkShape } from './rows.ts';

/**
 * Expected calibration error (Naeini et al. 2015; Guo et al. 2017, "On calibration of modern neural
 * networks"): confidences (the top probability) are binned into equal-width bins (lo, hi], and
 * ECE = Σ_b (n_b/n)·|accuracy_b − confidence_b|. The bins are returned for a reliability diagram.
 */
export interface CalibrationBin {
  lo: number;
  hi: number;
  count: number;
  /** Mean top probability in the bin (NaN when empty). */
  confidence: number;
  /** Share of correct top-1 predictions in the bin (NaN when empty). */
  accuracy: number;
}

export interface Calibration {
  ece: number;
  bins: CalibrationBin[];
}

export function calibration(probabilities: ArrayLike<number>, labels: ArrayLike<number>, classes: number, binCount = 15): Calibration {
  checkShape(probabilities, classes, 'calibration');
  const rows = probabilities.length / classes;
  if (rows !== labels.length) throw new RangeError(`calibration: ${rows} rows of probabilities for ${labels.length} labels`);
  if (!(Number.isInteger(binCount) && binCount >= 1)) throw new RangeError(`calibration: binCount must be a whole number ≥ 1, got ${binCount}`);
  const count = new Float64Array(binCount);
  const confidenceSum = new Float64Array(binCount);
  const correctSum = new Float64Array(binCount);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probabilities[r * classes + c] > probabilities[r * classes + best]) best = c;
    const confidence = probabilities[r * classes + best];
    // (lo, hi] bins; a confidence of exactly 0 joins the first bin.
    const bin = Math.min(binCount - 1, Math.max(0, Math.ceil(confidence * binCount) - 1));
    count[bin]++;
    confidenceSum[bin] += confidence;
    if (best === labels[r]) correctSum[bin]++;
  }
  let ece = 0;
  const bins: CalibrationBin[] = [];
  for (let b = 0; b < binCount; b++) {
    const confidence = confidenceSum[b] / count[b];
    const binAccuracy = correctSum[b] / count[b];
    if (count[b] > 0) ece += (count[b] / rows) * Math.abs(binAccuracy - confidence);
    bins.push({ lo: b / binCount, hi: (b + 1) / binCount, count: count[b], confidence, accuracy: binAccuracy });
  }
  return { ece: rows === 0 ? Number.NaN : ece, bins };
}
