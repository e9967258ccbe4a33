import { InputError } from '../errors.ts';
import type { Target } from './targets.ts';

/**
 * The "draw your own target" function for d = 2: the user draws y(θ) over the circle, kept as K values
 * at the equally spaced angles θ_j = −π + 2πj/K (j = 0…K−1, the page's unrolled circle), and
 *   f*(x) = periodic linear interpolation of those values at θ = atan2(x₂, x₁).
 * Values are quantised to 64 levels in [−DRAWN_RANGE, DRAWN_RANGE] so the drawing travels in the URL
 * as K base64url characters (`draw=…`).
 */
export const DRAWN_KNOTS = 32;
export const DRAWN_RANGE = 2;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LEVELS = ALPHABET.length - 1;

/** The knot angles θ_j = −π + 2πj/K. */
export function drawnAngles(count = DRAWN_KNOTS): number[] {
  return Array.from({ length: count }, (_, j) => -Math.PI + (2 * Math.PI * j) / count);
}

/** y(θ) by periodic linear interpolation between the knots. */
export function interpolateDrawn(knots: readonly number[], theta: number): number {
  const count = knots.length;
  if (count < 2) throw new RangeError(`a drawn target needs at least 2 knots, got ${count}`);
  const u = ((((theta + Math.PI) / (2 * Math.PI)) * count) % count + count) % count; // position in knot units, [0, K)
  const j = Math.floor(u);
  const frac = u - j;
  return (1 - frac) * knots[j] + frac * knots[(j + 1) % count];
}

/** f* on the circle (d = 2) from the drawn knots. */
export function drawnTarget(knots: readonly number[]): Target {
  const values = knots.slice();
  return (x, o) => interpolateDrawn(values, Math.atan2(x[o + 1], x[o]));
}

/** The nearest of the 64 levels, clamped to the range. */
export function quantiseDrawn(value: number): number {
  const clamped = Math.max(-DRAWN_RANGE, Math.min(DRAWN_RANGE, value));
  return -DRAWN_RANGE + (2 * DRAWN_RANGE * Math.round(((clamped + DRAWN_RANGE) / (2 * DRAWN_RANGE)) * LEVELS)) / LEVELS;
}

export function encodeDrawn(knots: readonly number[]): string {
  return knots.map((v) => ALPHABET[Math.round(((quantiseDrawn(v) + DRAWN_RANGE) / (2 * DRAWN_RANGE)) * LEVELS)]).join('');
}

/** `source` names where the code came from, for the error message. */
export function decodeDrawn(code: string, source = 'link setting draw'): number[] {
  if (code.length !== DRAWN_KNOTS) throw new InputError(`${source} must be ${DRAWN_KNOTS} characters, got ${code.length}`);
  return [...code].map((c) => {
    const level = ALPHABET.indexOf(c);
    if (level < 0) throw new InputError(`${source} has a character outside base64url: "${c}"`);
    return -DRAWN_RANGE + (2 * DRAWN_RANGE * level) / LEVELS;
  });
}

/** The drawing a user starts from: cos(2θ) + ½ sin θ, quantised. */
export function defaultDrawing(): number[] {
  return drawnAngles().map((t) => quantiseDrawn(Math.cos(2 * t) + 0.5 * Math.sin(t)));
}
