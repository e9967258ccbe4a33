/**
 * Label counts: how many samples of each class a batch holds. Attacks estimate real-valued counts;
 * `roundCounts` turns them into a valid count vector the way iLRG does (clip, round, repair the sum).
 */
export function countLabels(labels: ArrayLike<number>, classes: number): Int32Array {
  const counts = new Int32Array(classes);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!(Number.isInteger(label) && label >= 0 && label < classes)) throw new RangeError(`countLabels: label ${label} at ${i} is not in 0…${classes - 1}`);
    counts[label]++;
  }
  return counts;
}

/**
 * Non-negative integers adding up to `total`, close to `estimate`: negatives clipped to 0, the rest
 * rounded to the nearest integer, then the sum repaired one unit at a time — units go to the classes
 * whose estimate most exceeds their rounded count, and are taken from those it most falls short of.
 */
export function roundCounts(estimate: ArrayLike<number>, total: number): Int32Array {
  if (!(Number.isInteger(total) && total >= 0)) throw new RangeError(`roundCounts: total must be a whole number ≥ 0, got ${total}`);
  const classes = estimate.length;
  if (classes === 0) throw new RangeError('roundCounts: no classes');
  const clipped = Float64Array.from(estimate, (value) => (Number.isFinite(value) ? Math.max(0, value) : 0));
  const counts = Int32Array.from(clipped, (value) => Math.round(value));
  let sum = counts.reduce((acc, count) => acc + count, 0);
  while (sum !== total) {
    let best = -1;
    let bestGap = 0;
    for (let c = 0; c < classes; c++) {
      const gap = clipped[c] - counts[c];
      if (sum < total ? best < 0 || gap > bestGap : counts[c] > 0 && (best < 0 || gap < bestGap)) {
        best = c;
        bestGap = gap;
      }
    }
    counts[best] += sum < total ? 1 : -1;
    sum += sum < total ? 1 : -1;
  }
  return counts;
}
