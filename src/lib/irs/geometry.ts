/**
 * 2-D map geometry: building footprints as obstacles and the line-of-sight test between two points.
 *
 * A link is blocked when the open segment between its ends passes through a building's *interior*.
 * Touching a corner or running along a wall does not block (the ray grazes the boundary), an end
 * strictly inside a building blocks every link from it, and an end on a wall (an IRS mounted there)
 * is blocked only when the segment heads into the building. The WGSL heatmap kernel implements the same
 * rules in the same order (src/kernels/irs/irsHeatmap.wgsl), so this file is also its CPU twin.
 */

export interface Point {
  x: number;
  y: number;
}

/** A closed ring of [x, y] vertices in metres, as in the scenario JSON (closing vertex optional). */
export type Ring = readonly (readonly [number, number])[];

/**
 * Building footprints in flat arrays (the layout the kernel reads): each polygon is a counter-clockwise
 * ring without its closing vertex, `vertices[2·(starts[i] + j)]` its j-th x.
 */
export interface Obstacles {
  vertices: Float64Array; // [2·V]
  starts: Uint32Array; // [P]
  counts: Uint32Array; // [P]
  bboxes: Float64Array; // [4·P] minX, minY, maxX, maxY
}

export function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

/** Signed area (positive when counter-clockwise). */
function signedArea(ring: Ring): number {
  let twice = 0;
  for (let i = 0; i < ring.length; i++) {
    const [ax, ay] = ring[i];
    const [bx, by] = ring[(i + 1) % ring.length];
    twice += ax * by - bx * ay;
  }
  return twice / 2;
}

/**
 * A ring cleaned for the LoS test: repeated vertices and the closing vertex dropped, counter-clockwise.
 * Returns undefined for rings that enclose no area (fewer than 3 distinct vertices, or zero area).
 */
export function normaliseRing(ring: Ring): [number, number][] | undefined {
  const cleaned: [number, number][] = [];
  for (const [x, y] of ring) {
    const last = cleaned[cleaned.length - 1];
    if (!last || last[0] !== x || last[1] !== y) cleaned.push([x, y]);
  }
  while (cleaned.length > 1 && cleaned[0][0] === cleaned[cleaned.length - 1][0] && cleaned[0][1] === cleaned[cleaned.length - 1][1]) {
    cleaned.pop();
  }
  if (cleaned.length < 3) return undefined;
  const area = signedArea(cleaned);
  if (area === 0) return undefined;
  return area > 0 ? cleaned : cleaned.reverse();
}

export function buildObstacles(rings: readonly Ring[]): Obstacles {
  const kept = rings.map(normaliseRing).filter((ring): ring is [number, number][] => ring !== undefined);
  const vertexCount = kept.reduce((sum, ring) => sum + ring.length, 0);
  const obstacles: Obstacles = {
    vertices: new Float64Array(2 * vertexCount),
    starts: new Uint32Array(kept.length),
    counts: new Uint32Array(kept.length),
    bboxes: new Float64Array(4 * kept.length),
  };
  let at = 0;
  kept.forEach((ring, index) => {
    obstacles.starts[index] = at;
    obstacles.counts[index] = ring.length;
    let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [x, y] of ring) {
      obstacles.vertices[2 * at] = x;
      obstacles.vertices[2 * at + 1] = y;
      at++;
      minX = Math.min(minX, x);
      minY = Math.min(minY, y);
      maxX = Math.max(maxX, x);
      maxY = Math.max(maxY, y);
    }
    obstacles.bboxes.set([minX, minY, maxX, maxY], 4 * index);
  });
  return obstacles;
}

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * The polygons whose bounding box meets `box`. A segment with both ends in `box` can only be blocked
 * by those, so culling to the hull of all endpoints changes no result and saves most of the work.
 */
export function cullObstacles(obstacles: Obstacles, box: Box): Obstacles {
  const keep: number[] = [];
  for (let i = 0; i < obstacles.starts.length; i++) {
    const b = obstacles.bboxes;
    if (b[4 * i] <= box.x1 && b[4 * i + 2] >= box.x0 && b[4 * i + 1] <= box.y1 && b[4 * i + 3] >= box.y0) keep.push(i);
  }
  const rings: [number, number][][] = keep.map((i) => {
    const ring: [number, number][] = [];
    for (let j = 0; j < obstacles.counts[i]; j++) {
      const v = obstacles.starts[i] + j;
      ring.push([obstacles.vertices[2 * v], obstacles.vertices[2 * v + 1]]);
    }
    return ring;
  });
  return buildObstacles(rings);
}

export function polygonRing(obstacles: Obstacles, index: number): [number, number][] {
  const ring: [number, number][] = [];
  for (let j = 0; j < obstacles.counts[index]; j++) {
    const v = obstacles.starts[index] + j;
    ring.push([obstacles.vertices[2 * v], obstacles.vertices[2 * v + 1]]);
  }
  return ring;
}

/** Direction (dx, dy) points strictly into the interior wedge at vertex a (previous u, next b; CCW ring). */
function intoWedge(ux: number, uy: number, ax: number, ay: number, bx: number, by: number, dx: number, dy: number): boolean {
  const leftOfOutgoing = (bx - ax) * dy - (by - ay) * dx > 0;
  const rightOfIncomingReversed = dx * (uy - ay) - dy * (ux - ax) > 0;
  const convex = orient(ux, uy, ax, ay, bx, by) >= 0;
  return convex ? leftOfOutgoing && rightOfIncomingReversed : leftOfOutgoing || rightOfIncomingReversed;
}

/** p lies strictly between a and b, given that the three are collinear. */
function strictlyWithin(px: number, py: number, ax: number, ay: number, bx: number, by: number): boolean {
  const t = (px - ax) * (bx - ax) + (py - ay) * (by - ay);
  return t > 0 && t < (bx - ax) * (bx - ax) + (by - ay) * (by - ay);
}

/**
 * Whether the open segment pq passes through polygon `index`'s interior, ends strictly inside excepted
 * (callers test those with `strictlyInside`). Four ways in: a proper crossing of an edge, a pass through
 * a vertex into its interior wedge, or an end on a vertex or on an edge with the segment heading inward.
 */
export function polygonBlocks(obstacles: Obstacles, index: number, px: number, py: number, qx: number, qy: number): boolean {
  const v = obstacles.vertices;
  const start = obstacles.starts[index];
  const count = obstacles.counts[index];
  const dx = qx - px;
  const dy = qy - py;
  const length2 = dx * dx + dy * dy;
  for (let j = 0; j < count; j++) {
    const a = start + j;
    const b = start + ((j + 1) % count);
    const u = start + ((j + count - 1) % count);
    const ax = v[2 * a], ay = v[2 * a + 1];
    const bx = v[2 * b], by = v[2 * b + 1];
    const ux = v[2 * u], uy = v[2 * u + 1];
    const o1 = orient(px, py, qx, qy, ax, ay);
    const o2 = orient(px, py, qx, qy, bx, by);
    const o3 = orient(ax, ay, bx, by, px, py);
    const o4 = orient(ax, ay, bx, by, qx, qy);
    if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))) return true;
    if (o1 === 0) {
      const t = (ax - px) * dx + (ay - py) * dy;
      if (t > 0 && t < length2 && (intoWedge(ux, uy, ax, ay, bx, by, dx, dy) || intoWedge(ux, uy, ax, ay, bx, by, -dx, -dy))) return true;
    }
    if (ax === px && ay === py && intoWedge(ux, uy, ax, ay, bx, by, dx, dy)) return true;
    if (ax === qx && ay === qy && intoWedge(ux, uy, ax, ay, bx, by, -dx, -dy)) return true;
    if (o3 === 0 && strictlyWithin(px, py, ax, ay, bx, by) && (bx - ax) * dy - (by - ay) * dx > 0) return true;
    if (o4 === 0 && strictlyWithin(qx, qy, ax, ay, bx, by) && (bx - ax) * -dy - (by - ay) * -dx > 0) return true;
  }
  return false;
}

/** Strictly inside polygon `index` (a point on its boundary is not inside). */
export function strictlyInside(obstacles: Obstacles, index: number, px: number, py: number): boolean {
  const b = obstacles.bboxes;
  if (px < b[4 * index] || px > b[4 * index + 2] || py < b[4 * index + 1] || py > b[4 * index + 3]) return false;
  const v = obstacles.vertices;
  const start = obstacles.starts[index];
  const count = obstacles.counts[index];
  let inside = false;
  for (let j = 0; j < count; j++) {
    const a = start + j;
    const c = start + ((j + 1) % count);
    const ax = v[2 * a], ay = v[2 * a + 1];
    const cx = v[2 * c], cy = v[2 * c + 1];
    if (orient(ax, ay, cx, cy, px, py) === 0) {
      const t = (px - ax) * (cx - ax) + (py - ay) * (cy - ay);
      if (t >= 0 && t <= (cx - ax) * (cx - ax) + (cy - ay) * (cy - ay)) return false;
    }
    if (ay > py !== cy > py && px < ((cx - ax) * (py - ay)) / (cy - ay) + ax) inside = !inside;
  }
  return inside;
}

export function insideAnyBuilding(obstacles: Obstacles, px: number, py: number): boolean {
  for (let i = 0; i < obstacles.starts.length; i++) if (strictlyInside(obstacles, i, px, py)) return true;
  return false;
}

/**
 * Segment pq meets polygon `index`'s bounding box (a Liang–Barsky clip): a cheap reject before the exact
 * test, tighter than comparing the two boxes for the long diagonal segments of a heatmap.
 */
function segmentMeetsBox(obstacles: Obstacles, index: number, px: number, py: number, qx: number, qy: number): boolean {
  const b = obstacles.bboxes;
  const [minX, minY, maxX, maxY] = [b[4 * index], b[4 * index + 1], b[4 * index + 2], b[4 * index + 3]];
  if (Math.max(px, qx) < minX || Math.min(px, qx) > maxX || Math.max(py, qy) < minY || Math.min(py, qy) > maxY) return false;
  const dx = qx - px;
  const dy = qy - py;
  let t0 = 0;
  let t1 = 1;
  if (dx !== 0) {
    const ta = (minX - px) / dx;
    const tb = (maxX - px) / dx;
    t0 = Math.max(t0, Math.min(ta, tb));
    t1 = Math.min(t1, Math.max(ta, tb));
  }
  if (dy !== 0) {
    const ta = (minY - py) / dy;
    const tb = (maxY - py) / dy;
    t0 = Math.max(t0, Math.min(ta, tb));
    t1 = Math.min(t1, Math.max(ta, tb));
  }
  return t0 <= t1;
}

/** Line of sight between p and q: no building interior on the segment and neither end inside one. */
export function lineOfSight(obstacles: Obstacles, px: number, py: number, qx: number, qy: number): boolean {
  for (let i = 0; i < obstacles.starts.length; i++) {
    if (!segmentMeetsBox(obstacles, i, px, py, qx, qy)) continue;
    if (strictlyInside(obstacles, i, px, py) || strictlyInside(obstacles, i, qx, qy)) return false;
    if (polygonBlocks(obstacles, i, px, py, qx, qy)) return false;
  }
  return true;
}
