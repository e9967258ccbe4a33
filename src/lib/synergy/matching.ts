/**
 * Matching synergies between two sets (two conditions, two participants) by the cosine similarity of
 * their W columns, with the assignment that maximises the total similarity (Hungarian algorithm,
 * Kuhn 1955 / Munkres 1957, in the O(n³) shortest-augmenting-path form with row and column potentials).
 */

/** Cosine similarity of W columns: [ka, kb] for Wa [m, ka] and Wb [m, kb]. */
export function cosineMatrix(wa: ArrayLike<number>, ka: number, wb: ArrayLike<number>, kb: number, m: number): number[][] {
  const norm = (w: ArrayLike<number>, k: number, r: number) => {
    let sum = 0;
    for (let i = 0; i < m; i++) sum += w[i * k + r] ** 2;
    return Math.sqrt(sum);
  };
  return Array.from({ length: ka }, (_, a) =>
    Array.from({ length: kb }, (_, b) => {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += wa[i * ka + a] * wb[i * kb + b];
      const denominator = norm(wa, ka, a) * norm(wb, kb, b);
      return denominator > 0 ? dot / denominator : 0;
    }),
  );
}

/**
 * Minimum-cost assignment of rows to columns of a rows × cols cost matrix (rows ≤ cols): returns, for
 * each row, its column.
 */
export function hungarian(cost: readonly (readonly number[])[]): number[] {
  const rows = cost.length;
  const cols = rows === 0 ? 0 : cost[0].length;
  if (rows > cols) throw new RangeError(`hungarian: ${rows} rows but only ${cols} columns`);
  for (const row of cost) {
    if (row.length !== cols) throw new RangeError('hungarian: the cost matrix is ragged');
    if (row.some((c) => !Number.isFinite(c))) throw new RangeError('hungarian: costs must be finite');
  }
  // 1-based arrays; column 0 is a virtual start column.
  const u = new Float64Array(rows + 1);
  const v = new Float64Array(cols + 1);
  const rowOfCol = new Int32Array(cols + 1);
  const way = new Int32Array(cols + 1);
  for (let row = 1; row <= rows; row++) {
    rowOfCol[0] = row;
    let col0 = 0;
    const minSlack = new Float64Array(cols + 1).fill(Infinity);
    const used = new Uint8Array(cols + 1);
    do {
      used[col0] = 1;
      const row0 = rowOfCol[col0];
      let delta = Infinity;
      let col1 = 0;
      for (let col = 1; col <= cols; col++) {
        if (used[col]) continue;
        const slack = cost[row0 - 1][col - 1] - u[row0] - v[col];
        if (slack < minSlack[col]) {
          minSlack[col] = slack;
          way[col] = col0;
        }
        if (minSlack[col] < delta) {
          delta = minSlack[col];
          col1 = col;
        }
      }
      for (let col = 0; col <= cols; col++) {
        if (used[col]) {
          u[rowOfCol[col]] += delta;
          v[col] -= delta;
        } else {
          minSlack[col] -= delta;
        }
      }
      col0 = col1;
    } while (rowOfCol[col0] !== 0);
    do {
      const col1 = way[col0];
      rowOfCol[col0] = rowOfCol[col1];
      col0 = col1;
    } while (col0 !== 0);
  }
  const assignment = new Array<number>(rows).fill(-1);
  for (let col = 1; col <= cols; col++) if (rowOfCol[col] > 0) assignment[rowOfCol[col] - 1] = col - 1;
  return assignment;
}

export interface Matching {
  /** For each synergy of the reference set, the index of its partner in the other set. */
  partner: number[];
  /** Cosine similarity of each matched pair. */
  similarity: number[];
}

/** Matches the other set's synergies to the reference's, maximising the summed cosine similarity. */
export function matchSynergies(reference: ArrayLike<number>, other: ArrayLike<number>, k: number, m: number): Matching {
  const similarities = cosineMatrix(reference, k, other, k, m);
  const partner = hungarian(similarities.map((row) => row.map((s) => 1 - s)));
  return { partner, similarity: partner.map((col, row) => similarities[row][col]) };
}

/** Reorders W's columns [m, k] (and H's rows [k, n]) so that column r becomes partner[r]'s. */
export function permuteSynergies(w: Float32Array, h: Float32Array, partner: readonly number[], m: number): { w: Float32Array; h: Float32Array } {
  const k = partner.length;
  const n = h.length / k;
  const wOut = new Float32Array(w.length);
  const hOut = new Float32Array(h.length);
  partner.forEach((source, target) => {
    for (let i = 0; i < m; i++) wOut[i * k + target] = w[i * k + source];
    hOut.set(h.subarray(source * n, (source + 1) * n), target * n);
  });
  return { w: wOut, h: hOut };
}
