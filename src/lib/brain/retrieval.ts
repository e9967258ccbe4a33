/**
 * N-way retrieval between decoded vectors and the stimuli's feature vectors: cosine similarity, the
 * rank of the true stimulus, top-k accuracy and its chance level. Rows are [N, d], row-major.
 */

/** Cosine similarities S[i, j] = cos(decoded_i, targets_j), [N, M]. A zero row gives zeros. */
export function cosineMatrix(decoded: ArrayLike<number>, targets: ArrayLike<number>, dim: number): Float64Array {
  if (dim < 1 || decoded.length % dim !== 0 || targets.length % dim !== 0) throw new RangeError(`row lengths must be a multiple of dim = ${dim}`);
  const n = decoded.length / dim;
  const m = targets.length / dim;
  const norms = (rows: ArrayLike<number>, count: number) =>
    Float64Array.from({ length: count }, (_, i) => {
      let s = 0;
      for (let k = 0; k < dim; k++) s += rows[i * dim + k] ** 2;
      return Math.sqrt(s) || 1;
    });
  const dn = norms(decoded, n);
  const tn = norms(targets, m);
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += decoded[i * dim + k] * targets[j * dim + k];
      out[i * m + j] = s / (dn[i] * tn[j]);
    }
  }
  return out;
}

/**
 * Rank of the true candidate (j = i) in row i of a square score matrix: how many candidates score
 * strictly higher, plus half the other candidates that tie with it (so a constant decoder sits at chance).
 */
export function trueRanks(scores: ArrayLike<number>, n: number): Float64Array {
  if (scores.length !== n * n) throw new RangeError(`scores must be [${n}, ${n}], got ${scores.length} values`);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const own = scores[i * n + i];
    let higher = 0;
    let ties = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const s = scores[i * n + j];
      if (s > own) higher++;
      else if (s === own) ties++;
    }
    ranks[i] = higher + ties / 2;
  }
  return ranks;
}

/**
 * Share of rows whose true candidate is among the top k. Ties are broken at random, in expectation:
 * with h candidates strictly higher and t tying, the hit probability is clamp((k − h)/(t + 1), 0, 1),
 * so a constant decoder scores exactly the chance level k/N.
 */
export function topKAccuracy(scores: ArrayLike<number>, n: number, k: number): number {
  if (!(k >= 1)) throw new RangeError(`k must be ≥ 1, got ${k}`);
  if (scores.length !== n * n) throw new RangeError(`scores must be [${n}, ${n}], got ${scores.length} values`);
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const own = scores[i * n + i];
    let higher = 0;
    let ties = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const s = scores[i * n + j];
      if (s > own) higher++;
      else if (s === own) ties++;
    }
    hits += Math.min(1, Math.max(0, (k - higher) / (ties + 1)));
  }
  return hits / n;
}

/** What a decoder that ranks at random gets in N-way top-k retrieval. */
export function chanceTopK(n: number, k: number): number {
  return Math.min(1, k / n);
}

/** The k best candidates of row i, best first (for the retrieval gallery). */
export function topKIndices(scores: ArrayLike<number>, cols: number, row: number, k: number): number[] {
  const order = Array.from({ length: cols }, (_, j) => j);
  order.sort((a, b) => scores[row * cols + b] - scores[row * cols + a]);
  return order.slice(0, k);
}
