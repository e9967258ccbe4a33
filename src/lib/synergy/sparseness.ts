/**
 * Hoyer's sparseness of a vector (Hoyer 2004, "Non-negative matrix factorization with sparseness
 * constraints", JMLR 5, eq. 1): (√n − ‖w‖₁/‖w‖₂) / (√n − 1). 0 when all entries are equal, 1 when one
 * entry holds everything.
 */
export function hoyerSparseness(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) throw new RangeError(`Hoyer sparseness needs at least 2 entries, got ${n}`);
  let l1 = 0;
  let l2 = 0;
  for (let i = 0; i < n; i++) {
    l1 += Math.abs(values[i]);
    l2 += values[i] * values[i];
  }
  // The zero vector has no shape to be sparse or dense.
  if (l2 === 0) return Number.NaN;
  const root = Math.sqrt(n);
  return (root - l1 / Math.sqrt(l2)) / (root - 1);
}
