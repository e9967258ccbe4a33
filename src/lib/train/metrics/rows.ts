/**
 * Row-wise helpers on [rows, cols] matrices stored flat: class scores to predictions and
 * probabilities. All return new arrays.
 */
export function argmaxRows(values: ArrayLike<number>, cols: number): Int32Array {
  checkShape(values, cols, 'argmaxRows');
  const rows = values.length / cols;
  const result = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[r * cols + c] > values[r * cols + best]) best = c;
    result[r] = best;
  }
  return result;
}

/** softmax of each row, computed after subtracting the row maximum (no overflow). */
export function softmaxRows(logits: ArrayLike<number>, cols: number): Float32Array {
  checkShape(logits, cols, 'softmaxRows');
  const result = new Float32Array(logits.length);
  for (let start = 0; start < logits.length; start += cols) {
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, logits[start + c]);
    let total = 0;
    for (let c = 0; c < cols; c++) total += result[start + c] = Math.exp(logits[start + c] - max);
    for (let c = 0; c < cols; c++) result[start + c] /= total;
  }
  return result;
}

/**
 * σ(f_k) of each row, normalised to sum to 1: a probability vector from one-vs-rest scores (the
 * CPU risk trains each f_k as its own binary classifier, so σ(f_k) alone need not sum to 1).
 */
export function normalisedSigmoidRows(scores: ArrayLike<number>, cols: number): Float32Array {
  checkShape(scores, cols, 'normalisedSigmoidRows');
  const result = new Float32Array(scores.length);
  for (let start = 0; start < scores.length; start += cols) {
    let total = 0;
    for (let c = 0; c < cols; c++) total += result[start + c] = 1 / (1 + Math.exp(-scores[start + c]));
    for (let c = 0; c < cols; c++) result[start + c] /= total;
  }
  return result;
}

export function checkShape(values: ArrayLike<number>, cols: number, where: string): void {
  if (!(Number.isInteger(cols) && cols > 0)) throw new RangeError(`${where}: cols must be a whole number > 0, got ${cols}`);
  if (values.length % cols !== 0) throw new RangeError(`${where}: ${values.length} values do not make rows of ${cols}`);
}
