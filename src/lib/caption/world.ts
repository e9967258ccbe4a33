import { Rng } from '../util/random.ts';

/**
 * The procedural video world: seeded clips of one shape on a dark background that moves, bounces off a
 * wall, grows, shrinks, changes colour, appears or leaves. A clip is a small spec (`ClipSpec`); its frames
 * are drawn on demand with plain typed-array rasterising (`renderClip`), so Node, a worker and a page draw
 * the same pixels. Captions come from grammar.ts, written from the spec, and are true of the frames
 * (tests/unit/caption-world.test.ts measures the frames to check them).
 */
export const COLOURS = { red: [220, 40, 40], green: [40, 190, 60], blue: [50, 90, 230], yellow: [230, 210, 40] } as const;
export type Colour = keyof typeof COLOURS;
export const COLOUR_NAMES = Object.keys(COLOURS) as Colour[];
export const SHAPES = ['circle', 'square', 'triangle'] as const;
export type Shape = (typeof SHAPES)[number];
export const DIRECTIONS = ['left', 'right', 'up', 'down'] as const;
export type Direction = (typeof DIRECTIONS)[number];
export const EVENTS = ['move', 'bounce', 'grow', 'shrink', 'recolour', 'appear', 'leave'] as const;
export type ClipEvent = (typeof EVENTS)[number];
export const BACKGROUND = [18, 18, 24] as const;

export interface ClipSpec {
  id: string;
  shape: Shape;
  colour: Colour;
  /** The colour after the change (event 'recolour'), else the same as `colour`. */
  endColour: Colour;
  size: 'small' | 'big';
  event: ClipEvent;
  /** Direction of travel for move / bounce (towards the wall) / leave. */
  direction: Direction;
  /** Start centre and per-frame velocity, in units of the frame side (0…1). */
  x0: number;
  y0: number;
  /** Radius (half side) at the first and last frame, in units of the frame side. */
  r0: number;
  r1: number;
  /** Frames in which the shape is visible: [from, to). */
  visibleFrom: number;
  visibleTo: number;
}

export interface WorldOptions {
  clips: number;
  frames: number;
  seed: number;
  /** Prefix of clip ids (splits use different prefixes and seeds). */
  prefix?: string;
}

const STEP: Record<Direction, [number, number]> = { left: [-1, 0], right: [1, 0], up: [0, -1], down: [0, 1] };
export const SIZE_RADIUS = { small: 0.09, big: 0.17 } as const;

export function makeClipSpecs(options: WorldOptions): ClipSpec[] {
  const rng = new Rng(options.seed);
  const pick = <T>(items: readonly T[]): T => items[rng.int(items.length)];
  const specs: ClipSpec[] = [];
  for (let i = 0; i < options.clips; i++) {
    const event = pick(EVENTS);
    const colour = pick(COLOUR_NAMES);
    const endColour = event === 'recolour' ? pick(COLOUR_NAMES.filter((c) => c !== colour)) : colour;
    const size = rng.next() < 0.5 ? 'small' : 'big';
    let r0: number = SIZE_RADIUS[size];
    let r1 = r0;
    if (event === 'grow') [r0, r1] = [0.07, 0.22];
    if (event === 'shrink') [r0, r1] = [0.22, 0.07];
    const direction = event === 'bounce' ? pick(['left', 'right'] as const) : pick(DIRECTIONS);
    let x0 = rng.uniform(0.4, 0.6);
    let y0 = rng.uniform(0.4, 0.6);
    if (event === 'move') {
      // start on the side opposite the travel so the whole path stays in view
      const [dx, dy] = STEP[direction];
      if (dx) x0 = 0.5 - dx * 0.22;
      if (dy) y0 = 0.5 - dy * 0.22;
    }
    if (event === 'bounce') x0 = 0.5 - STEP[direction][0] * 0.05;
    const visibleFrom = event === 'appear' ? Math.floor(options.frames / 3) + rng.int(Math.max(1, Math.floor(options.frames / 4))) : 0;
    const visibleTo = options.frames;
    specs.push({ id: `${options.prefix ?? 'clip'}${i}`, shape: pick(SHAPES), colour, endColour, size, event, direction, x0, y0, r0, r1, visibleFrom, visibleTo });
  }
  return specs;
}

/** Where the shape is at frame t: centre, radius and colour, or null when it is not in view. */
export function clipState(spec: ClipSpec, t: number, frames: number): { x: number; y: number; r: number; colour: Colour } | null {
  if (t < spec.visibleFrom || t >= spec.visibleTo) return null;
  const u = frames > 1 ? t / (frames - 1) : 0; // 0 … 1 over the clip
  const [dx, dy] = STEP[spec.direction];
  let x = spec.x0;
  let y = spec.y0;
  if (spec.event === 'move') {
    x += dx * 0.44 * u;
    y += dy * 0.44 * u;
  } else if (spec.event === 'leave') {
    // leaves by two thirds of the way through: centre ends 0.9 beyond the start, far past the edge
    const travel = Math.min(1, u * 1.5) * 0.9;
    x += dx * travel;
    y += dy * travel;
  } else if (spec.event === 'bounce') {
    // reaches the wall half-way (its edge pressed against the frame's edge), then comes back the same way
    const r = spec.r0 * 0.5;
    const wall = dx > 0 ? 1 - r : r;
    const path = Math.abs(wall - spec.x0);
    const along = u < 0.5 ? u * 2 : 2 - u * 2;
    x = spec.x0 + dx * path * along;
  }
  const r = spec.r0 + (spec.r1 - spec.r0) * u;
  const colour = spec.event === 'recolour' && u >= 0.5 ? spec.endColour : spec.colour;
  return { x, y, r, colour };
}

/** Draws the clip as RGBA frames [frames, size, size, 4] (ImageData layout). */
export function renderClip(spec: ClipSpec, frames: number, size: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(frames * size * size * 4);
  for (let t = 0; t < frames; t++) {
    const base = t * size * size * 4;
    for (let p = 0; p < size * size; p++) {
      out[base + p * 4] = BACKGROUND[0];
      out[base + p * 4 + 1] = BACKGROUND[1];
      out[base + p * 4 + 2] = BACKGROUND[2];
      out[base + p * 4 + 3] = 255;
    }
    const state = clipState(spec, t, frames);
    if (!state) continue;
    const [cr, cg, cb] = COLOURS[state.colour];
    const cx = state.x * size;
    const cy = state.y * size;
    const rad = state.r * size;
    const x0 = Math.max(0, Math.floor(cx - rad - 1));
    const x1 = Math.min(size - 1, Math.ceil(cx + rad + 1));
    const y0 = Math.max(0, Math.floor(cy - rad - 1));
    const y1 = Math.min(size - 1, Math.ceil(cy + rad + 1));
    for (let py = y0; py <= y1; py++) {
      for (let px = x0; px <= x1; px++) {
        const ux = (px + 0.5 - cx) / rad; // pixel centre in shape units (−1…1 inside the box)
        const uy = (py + 0.5 - cy) / rad;
        if (!inside(spec.shape, ux, uy)) continue;
        const o = base + (py * size + px) * 4;
        out[o] = cr;
        out[o + 1] = cg;
        out[o + 2] = cb;
      }
    }
  }
  return out;
}

function inside(shape: Shape, ux: number, uy: number): boolean {
  if (shape === 'circle') return ux * ux + uy * uy <= 1;
  if (shape === 'square') return Math.abs(ux) <= 0.85 && Math.abs(uy) <= 0.85;
  // upright triangle: apex at the top, base at the bottom
  return uy >= -1 && uy <= 1 && Math.abs(ux) <= (uy + 1) / 2;
}

/** Average-pools each RGBA frame into a grid × grid × 3 vector in [0, 1]: the per-frame input of the encoder. */
export function poolFrames(rgba: Uint8ClampedArray, frames: number, size: number, grid: number): Float32Array {
  const cell = size / grid;
  if (!Number.isInteger(cell)) throw new RangeError(`frame size ${size} must be a multiple of the grid ${grid}`);
  const out = new Float32Array(frames * grid * grid * 3);
  const scale = 1 / (cell * cell * 255);
  for (let t = 0; t < frames; t++) {
    for (let py = 0; py < size; py++) {
      const gy = Math.floor(py / cell);
      for (let px = 0; px < size; px++) {
        const gx = Math.floor(px / cell);
        const i = ((t * size + py) * size + px) * 4;
        const o = ((t * grid + gy) * grid + gx) * 3;
        out[o] += rgba[i] * scale;
        out[o + 1] += rgba[i + 1] * scale;
        out[o + 2] += rgba[i + 2] * scale;
      }
    }
  }
  return out;
}
