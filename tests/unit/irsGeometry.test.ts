import { describe, expect, it } from 'vitest';
import { buildObstacles, cullObstacles, insideAnyBuilding, lineOfSight, normaliseRing, polygonRing, type Ring } from '../../src/lib/irs/geometry.ts';
import { Rng } from '../../src/lib/util/random.ts';

const square: Ring = [[0, 0], [10, 0], [10, 10], [0, 10]];
// An L shape (reflex vertex at (5, 5)), given clockwise to check it is re-oriented.
const ell: Ring = [[20, 0], [20, 10], [25, 10], [25, 5], [30, 5], [30, 0]];
const obstacles = buildObstacles([square, ell]);
const los = (px: number, py: number, qx: number, qy: number) => lineOfSight(obstacles, px, py, qx, qy);

describe('building rings', () => {
  it('drops the closing and repeated vertices and orients counter-clockwise', () => {
    expect(normaliseRing([[0, 0], [0, 1], [0, 1], [1, 1], [1, 0], [0, 0]])).toEqual([[1, 0], [1, 1], [0, 1], [0, 0]]);
  });
  it('drops rings that enclose no area', () => {
    expect(normaliseRing([[0, 0], [1, 1], [2, 2]])).toBeUndefined();
    expect(normaliseRing([[0, 0], [1, 1], [0, 0]])).toBeUndefined();
    expect(buildObstacles([[[0, 0], [1, 0]], square]).starts.length).toBe(1);
  });
  it('culls to buildings whose box meets the area', () => {
    const culled = cullObstacles(obstacles, { x0: 15, y0: -5, x1: 40, y1: 5 });
    expect(culled.starts.length).toBe(1);
    expect(polygonRing(culled, 0)).toContainEqual([25, 5]);
  });
});

describe('line of sight', () => {
  it('is blocked by a segment through a building', () => {
    expect(los(-5, 5, 15, 5)).toBe(false);
    expect(los(-5, -5, 15, 15)).toBe(false);
  });
  it('is clear past a building', () => {
    expect(los(-5, -1, 15, -1)).toBe(true);
    expect(los(-5, 11, 15, 11)).toBe(true);
  });
  it('is clear when the segment only touches a corner', () => {
    expect(los(-5, 5, 5, -5)).toBe(true); // through (0, 0) from outside to outside
    expect(los(-5, -5, 0, 0)).toBe(true); // ends at the corner
    expect(los(5, 15, 15, 5)).toBe(true); // through (10, 10)
  });
  it('is clear when collinear with an edge, along it or beyond it', () => {
    expect(los(-5, 0, 15, 0)).toBe(true); // runs along the bottom wall and past both corners
    expect(los(2, 0, 8, 0)).toBe(true); // entirely on the wall
    expect(los(10, -5, 10, 15)).toBe(true);
  });
  it('is blocked through a diagonal from corner to corner (no edge is crossed properly)', () => {
    expect(los(0, 0, 10, 10)).toBe(false);
    expect(los(-5, -5, 15, 15)).toBe(false);
  });
  it('is blocked from or to a point inside a building, even a short segment', () => {
    expect(los(5, 5, 6, 6)).toBe(false);
    expect(los(5, 5, 50, 50)).toBe(false);
    expect(insideAnyBuilding(obstacles, 5, 5)).toBe(true);
  });
  it('treats a wall-mounted end by the direction it heads', () => {
    expect(los(5, 0, 5, -10)).toBe(true); // from the wall outward
    expect(los(5, 0, 5, 5)).toBe(false); // from the wall into the building
    expect(los(0, 0, 5, 5)).toBe(false); // from a corner inward
    expect(los(0, 0, -5, 5)).toBe(true); // from a corner outward
    expect(insideAnyBuilding(obstacles, 5, 0)).toBe(false);
  });
  it('handles the reflex corner of an L-shaped building', () => {
    expect(los(25, 5, 35, 15)).toBe(true); // from the reflex corner out into the notch
    expect(los(25, 5, 22, 2)).toBe(false); // from the reflex corner into the building
    expect(los(17, 12, 31, -2)).toBe(false); // crosses both arms
    expect(los(20, 15, 30, 5)).toBe(true); // grazes the corner (25, 10), crosses the notch, ends on the corner (30, 5)
    expect(los(27, 12, 32, 7)).toBe(true); // in the notch, clear
    expect(los(22, 12, 28, 6)).toBe(false); // enters the upright arm
  });
  it('is symmetric in its ends on random segments', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 500; i++) {
      const [px, py, qx, qy] = [rng.uniform(-5, 35), rng.uniform(-5, 15), rng.uniform(-5, 35), rng.uniform(-5, 15)];
      expect(los(px, py, qx, qy)).toBe(los(qx, qy, px, py));
    }
  });
  it('agrees with dense sampling of the segment on random segments', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 300; i++) {
      const [px, py, qx, qy] = [rng.uniform(-5, 35), rng.uniform(-5, 15), rng.uniform(-5, 35), rng.uniform(-5, 15)];
      let sampledBlocked = false;
      for (let s = 0; s <= 2000 && !sampledBlocked; s++) {
        const t = s / 2000;
        sampledBlocked = insideAnyBuilding(obstacles, px + t * (qx - px), py + t * (qy - py));
      }
      // Sampling can miss a sliver near a corner; it can never see a block that is not there.
      if (sampledBlocked) expect(los(px, py, qx, qy)).toBe(false);
    }
  });
});
