/**
 * EMG topographic maps: muscle values placed on an outline of the shoulder and upper torso, unrolled
 * from the chest (left) over the shoulder cap to the back (right), interpolated onto a grid inside the
 * outline. Summaries per map: the mean, and the entropy −Σ pᵢ log₂ pᵢ with pᵢ = aᵢ²/Σa² (higher when
 * activity is spread evenly, lower when a few muscles carry it).
 */
export interface MapPoint {
  /** 0 (chest) … 1 (spine) */
  x: number;
  /** 0 (top) … 1 (lower ribs) */
  y: number;
}

export const TORSO_OUTLINE: readonly MapPoint[] = [
  { x: 0.02, y: 0.98 }, { x: 0.02, y: 0.36 }, { x: 0.18, y: 0.3 }, { x: 0.32, y: 0.2 }, { x: 0.4, y: 0.1 },
  { x: 0.5, y: 0.06 }, { x: 0.6, y: 0.1 }, { x: 0.67, y: 0.16 }, { x: 0.8, y: 0.12 }, { x: 0.9, y: 0.05 },
  { x: 0.98, y: 0.04 }, { x: 0.98, y: 0.98 },
];

const KNOWN_POSITIONS: Record<string, MapPoint> = {
  pm: { x: 0.15, y: 0.5 }, pm_clav: { x: 0.18, y: 0.38 }, pm_sternal: { x: 0.12, y: 0.6 },
  ad: { x: 0.36, y: 0.3 }, md: { x: 0.5, y: 0.18 }, pd: { x: 0.64, y: 0.3 },
  sa: { x: 0.32, y: 0.72 }, latd: { x: 0.68, y: 0.8 }, infra: { x: 0.8, y: 0.48 },
  ut: { x: 0.86, y: 0.2 }, ts: { x: 0.86, y: 0.2 }, tm: { x: 0.92, y: 0.4 }, ti: { x: 0.9, y: 0.66 },
  tmajor: { x: 0.72, y: 0.6 }, bic: { x: 0.44, y: 0.52 }, tric: { x: 0.56, y: 0.52 },
};

/** Anatomical default per muscle name; unknown names are spread along the bottom to be placed by hand. */
export function defaultPositions(muscles: readonly string[]): MapPoint[] {
  let unknown = 0;
  return muscles.map((name) => {
    const known = KNOWN_POSITIONS[name.toLowerCase()];
    if (known) return { ...known };
    unknown++;
    return { x: Math.min(0.95, 0.1 + 0.12 * (unknown - 1)), y: 0.9 };
  });
}

export interface MapGrid {
  cols: number;
  rows: number;
  /** 1 where the cell centre lies inside the outline: [rows, cols] */
  inside: Uint8Array;
}

export function outlineGrid(cols = 64, rows = 48, outline: readonly MapPoint[] = TORSO_OUTLINE): MapGrid {
  const inside = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) inside[r * cols + c] = pointInPolygon(cellCentre(c, r, cols, rows), outline) ? 1 : 0;
  return { cols, rows, inside };
}

export function cellCentre(col: number, row: number, cols: number, rows: number): MapPoint {
  return { x: (col + 0.5) / cols, y: (row + 0.5) / rows };
}

/** Even–odd rule. */
export function pointInPolygon(p: MapPoint, polygon: readonly MapPoint[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[i];
    const b = polygon[j];
    if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

export type Interpolation = 'idw' | 'rbf';

export interface MapOptions {
  method: Interpolation;
  /** Inverse-distance power (Shepard 1968); 2 is the usual choice. */
  power?: number;
}

/**
 * Values at `positions` interpolated over the grid, NaN outside the outline: [rows, cols].
 * `idw`: inverse-distance weighting. `rbf`: thin-plate spline φ(r) = r² log r plus a linear term,
 * clipped at 0 (activity cannot be negative); it needs three points not on a line, else IDW is used.
 */
export function interpolateMap(values: ArrayLike<number>, positions: readonly MapPoint[], grid: MapGrid, options: MapOptions = { method: 'idw' }): Float32Array {
  if (values.length !== positions.length) throw new RangeError(`${values.length} values for ${positions.length} positions`);
  const map = new Float32Array(grid.rows * grid.cols).fill(Number.NaN);
  const spline = options.method === 'rbf' ? thinPlateSpline(values, positions) : undefined;
  const power = options.power ?? 2;
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols; c++) {
      if (!grid.inside[r * grid.cols + c]) continue;
      const p = cellCentre(c, r, grid.cols, grid.rows);
      map[r * grid.cols + c] = spline ? Math.max(0, spline(p)) : inverseDistance(values, positions, p, power);
    }
  }
  return map;
}

function inverseDistance(values: ArrayLike<number>, positions: readonly MapPoint[], p: MapPoint, power: number): number {
  let weighted = 0;
  let weights = 0;
  for (let i = 0; i < positions.length; i++) {
    const d2 = (positions[i].x - p.x) ** 2 + (positions[i].y - p.y) ** 2;
    if (d2 < 1e-12) return values[i];
    const weight = d2 ** (-power / 2);
    weighted += weight * values[i];
    weights += weight;
  }
  return weights > 0 ? weighted / weights : Number.NaN;
}

function thinPlateSpline(values: ArrayLike<number>, positions: readonly MapPoint[]): ((p: MapPoint) => number) | undefined {
  const n = positions.length;
  const size = n + 3;
  const a = Array.from({ length: size }, () => new Float64Array(size + 1));
  const phi = (d2: number) => (d2 > 0 ? 0.5 * d2 * Math.log(d2) : 0); // r² log r = ½ r² log r²
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) a[i][j] = phi((positions[i].x - positions[j].x) ** 2 + (positions[i].y - positions[j].y) ** 2);
    const poly = [1, positions[i].x, positions[i].y];
    poly.forEach((v, t) => {
      a[i][n + t] = v;
      a[n + t][i] = v;
    });
    a[i][size] = values[i];
  }
  const coefficients = solve(a);
  if (!coefficients) return undefined;
  return (p) => {
    let sum = coefficients[n] + coefficients[n + 1] * p.x + coefficients[n + 2] * p.y;
    for (let i = 0; i < n; i++) sum += coefficients[i] * phi((positions[i].x - p.x) ** 2 + (positions[i].y - p.y) ** 2);
    return sum;
  };
}

/** Gaussian elimination with partial pivoting on an augmented matrix; undefined when singular. */
function solve(augmented: Float64Array[]): Float64Array | undefined {
  const size = augmented.length;
  for (let col = 0; col < size; col++) {
    let pivot = col;
    for (let row = col + 1; row < size; row++) if (Math.abs(augmented[row][col]) > Math.abs(augmented[pivot][col])) pivot = row;
    if (Math.abs(augmented[pivot][col]) < 1e-12) return undefined;
    [augmented[col], augmented[pivot]] = [augmented[pivot], augmented[col]];
    for (let row = 0; row < size; row++) {
      if (row === col) continue;
      const factor = augmented[row][col] / augmented[col][col];
      for (let c = col; c <= size; c++) augmented[row][c] -= factor * augmented[col][c];
    }
  }
  return Float64Array.from(augmented, (row, i) => row[size] / row[i]);
}

/** Mean and entropy of a map over its cells inside the outline (NaN cells are outside). */
export function mapSummary(map: Float32Array): { mean: number; entropyBits: number } {
  let sum = 0;
  let sumSquares = 0;
  let cells = 0;
  for (const v of map) {
    if (Number.isNaN(v)) continue;
    sum += v;
    sumSquares += v * v;
    cells++;
  }
  let entropyBits = 0;
  if (sumSquares > 0) {
    for (const v of map) {
      if (Number.isNaN(v) || v === 0) continue;
      const p = (v * v) / sumSquares;
      entropyBits -= p * Math.log2(p);
    }
  }
  return { mean: cells > 0 ? sum / cells : Number.NaN, entropyBits };
}
