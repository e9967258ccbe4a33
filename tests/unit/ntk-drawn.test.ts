import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/errors.ts';
import {
  DRAWN_KNOTS,
  checkNtkConfig,
  decodeDrawn,
  defaultDrawing,
  drawnAngles,
  drawnTarget,
  encodeDrawn,
  interpolateDrawn,
  makeTarget,
  NTK_DEFAULTS,
  quantiseDrawn,
} from '../../src/lib/ntk/index.ts';
import { configFromParams, paramsFromConfig } from '../../src/lib/ntk/pageSettings.ts';

describe('the drawn target (d = 2)', () => {
  it('passes through its knots and interpolates linearly between them, periodically', () => {
    const knots = [0, 1, -1, 3]; // at θ = −π, −π/2, 0, π/2
    expect(drawnAngles(4)).toEqual([-Math.PI, -Math.PI / 2, 0, Math.PI / 2]);
    for (const [j, t] of drawnAngles(4).entries()) expect(interpolateDrawn(knots, t)).toBeCloseTo(knots[j], 12);
    expect(interpolateDrawn(knots, -Math.PI / 4)).toBeCloseTo(0, 12); // halfway from 1 to −1
    expect(interpolateDrawn(knots, Math.PI / 8)).toBeCloseTo(-1 + 4 * 0.25, 12); // a quarter from −1 to 3
    expect(interpolateDrawn(knots, (3 * Math.PI) / 4)).toBeCloseTo(1.5, 12); // from 3 back to knot 0 (0) across θ = π
    expect(interpolateDrawn(knots, Math.PI)).toBeCloseTo(0, 12); // θ = π is θ = −π
    expect(interpolateDrawn(knots, 2 * Math.PI - Math.PI / 4)).toBeCloseTo(interpolateDrawn(knots, -Math.PI / 4), 12);
    expect(() => interpolateDrawn([1], 0)).toThrow(RangeError);
  });

  it('reads the angle of a point on the circle', () => {
    const knots = drawnAngles().map((t) => Math.sin(t));
    const f = drawnTarget(knots);
    const theta = drawnAngles()[5];
    expect(f(Float64Array.of(9, Math.cos(theta), Math.sin(theta)), 1)).toBeCloseTo(Math.sin(theta), 12);
    // between knots the error of linear interpolation of sin is at most h²/8 with h = 2π/K
    const between = theta + Math.PI / DRAWN_KNOTS;
    expect(Math.abs(f(Float64Array.of(Math.cos(between), Math.sin(between)), 0) - Math.sin(between))).toBeLessThan((2 * Math.PI / DRAWN_KNOTS) ** 2 / 8);
    expect(makeTarget('drawn', 2, 7, knots)(Float64Array.of(Math.cos(theta), Math.sin(theta)), 0)).toBeCloseTo(Math.sin(theta), 12);
    expect(() => makeTarget('drawn', 3, 7, knots)).toThrow(/d = 2/);
  });

  it('travels in the URL as 32 characters, exactly for quantised values', () => {
    const drawing = defaultDrawing();
    const code = encodeDrawn(drawing);
    expect(code).toHaveLength(DRAWN_KNOTS);
    expect(code).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeDrawn(code)).toEqual(drawing);
    expect(quantiseDrawn(7)).toBe(2);
    expect(quantiseDrawn(-7)).toBe(-2);
    expect(Math.abs(quantiseDrawn(0.3) - 0.3)).toBeLessThanOrEqual(2 / 63 + 1e-12);
    expect(() => decodeDrawn('abc')).toThrow(InputError);
    expect(() => decodeDrawn('*'.repeat(DRAWN_KNOTS))).toThrow(/base64url/);

    const config = { ...NTK_DEFAULTS, d: 2, target: 'drawn' as const, drawn: drawing };
    const params = paramsFromConfig(config);
    expect(params.draw).toBe(code);
    const back = configFromParams(new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])));
    expect(back.target).toBe('drawn');
    expect(back.drawn).toEqual(drawing);
  });

  it('is refused off the circle or without a drawing', () => {
    expect(() => checkNtkConfig({ ...NTK_DEFAULTS, d: 3, target: 'drawn', drawn: defaultDrawing() })).toThrow(/d = 2/);
    expect(() => checkNtkConfig({ ...NTK_DEFAULTS, d: 2, target: 'drawn' })).toThrow(/drawn values/);
  });
});
