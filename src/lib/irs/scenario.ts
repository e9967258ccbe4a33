import { InputError } from '../errors.ts';
import type { Box } from './geometry.ts';

/**
 * The scenario: the JSON form the page saves and loads, the CLI reads, and the URL hash carries.
 * Coordinates in metres; `facingDeg` is the direction of the surface normal (0 = +x, counter-clockwise);
 * `pathLossExponent.nlos: null` means a blocked link carries nothing.
 * Fields beyond the issue's format (all optional): `activeElements` for hybrid IRSs, `userAreas`
 * (point-to-area targets), `rateThresholdBps` (coverage threshold, default 1 bit/s/Hz × bandwidth),
 * `candidates` (optimiser sites), `origin` (lon/lat of the local frame after a GeoJSON import) and
 * `mapName` (what the buildings are).
 */
export type IrsType = 'passive' | 'active' | 'hybrid';
export const IRS_TYPES: readonly IrsType[] = ['passive', 'active', 'hybrid'];

export interface Transmitter {
  id: string;
  x: number;
  y: number;
  powerDbm: number;
  antennas: number;
}

export interface IrsSpec {
  id: string;
  x: number;
  y: number;
  facingDeg: number;
  elements: number;
  type: IrsType;
  /** P_F (active, hybrid). */
  ampPowerDbm?: number;
  /** σ_F² per element (active, hybrid). */
  ampNoiseDbm?: number;
  /** N_a of a hybrid IRS; the other elements − N_a are passive. */
  activeElements?: number;
}

export interface User {
  id: string;
  x: number;
  y: number;
}

export interface UserArea extends Box {
  id: string;
}

export interface Candidate {
  x: number;
  y: number;
  /** Fixed facing (a wall's outward normal); absent: the optimiser tries eight directions. */
  facingDeg?: number;
}

export interface Scenario {
  carrierHz: number;
  noiseDbm: number;
  bandwidthHz: number;
  pathLossExponent: { los: number; nlos: number | null };
  buildings: [number, number][][];
  transmitters: Transmitter[];
  irs: IrsSpec[];
  users: User[];
  area: Box;
  userAreas?: UserArea[];
  rateThresholdBps?: number;
  candidates?: Candidate[];
  origin?: { lon: number; lat: number };
  mapName?: string;
}

/** Limits that keep routing exact and the kernel's per-cell loops bounded. */
export const LIMITS = {
  transmitters: 8,
  irs: 16,
  users: 500,
  userAreas: 32,
  candidates: 2000,
  buildingVertices: 300_000,
  elements: 1_000_000,
  /** Every position lies within this many metres of the local origin (|x|, |y|), so squared distances stay exact. */
  coordinateM: 1_000_000,
} as const;

type Json = Record<string, unknown>;

class Reader {
  constructor(readonly source: string) {}

  fail(path: string, expected: string, got: unknown): never {
    const shown = got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 60) ?? String(got);
    throw new InputError(`${this.source}: ${path} must be ${expected}, got ${shown}`, `Fix "${path}" in the scenario JSON.`);
  }

  object(value: unknown, path: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'an object', value);
    return value as Json;
  }

  array(value: unknown, path: string, max: number): unknown[] {
    if (!Array.isArray(value)) this.fail(path, 'an array', value);
    if (value.length > max) throw new InputError(`${this.source}: ${path} has ${value.length} entries, at most ${max} are supported`);
    return value;
  }

  number(value: unknown, path: string, range: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {}): number {
    const { min = -Infinity, max = Infinity, integer = false, exclusiveMin = false } = range;
    const ok = typeof value === 'number' && Number.isFinite(value) && (exclusiveMin ? value > min : value >= min) && value <= max
      && (!integer || Number.isInteger(value));
    if (!ok) {
      const bounds = [Number.isFinite(min) ? `${exclusiveMin ? '>' : '≥'} ${min}` : '', Number.isFinite(max) ? `≤ ${max}` : ''].filter(Boolean).join(' and ');
      this.fail(path, `${integer ? 'an integer' : 'a number'}${bounds ? ` ${bounds}` : ''}`, value);
    }
    return value as number;
  }

  coordinate(value: unknown, path: string): number {
    return this.number(value, path, { min: -LIMITS.coordinateM, max: LIMITS.coordinateM });
  }

  id(value: unknown, path: string, seen: Set<string>): string {
    if (typeof value !== 'string' || value.trim() === '' || value.length > 64) this.fail(path, 'a non-empty id of at most 64 characters', value);
    const id = value as string;
    if (seen.has(id)) throw new InputError(`${this.source}: ${path} "${id}" is used twice; ids must be unique`);
    seen.add(id);
    return id;
  }

  point(value: unknown, path: string): [number, number] {
    if (!Array.isArray(value) || value.length < 2) this.fail(path, 'an [x, y] pair', value);
    const pair = value as unknown[];
    return [this.coordinate(pair[0], `${path}[0]`), this.coordinate(pair[1], `${path}[1]`)];
  }

  box(value: unknown, path: string): Box {
    const o = this.object(value, path);
    const box = { x0: this.coordinate(o.x0, `${path}.x0`), y0: this.coordinate(o.y0, `${path}.y0`), x1: this.coordinate(o.x1, `${path}.x1`), y1: this.coordinate(o.y1, `${path}.y1`) };
    if (box.x1 <= box.x0 || box.y1 <= box.y0) throw new InputError(`${this.source}: ${path} must have x1 > x0 and y1 > y0, got ${JSON.stringify(box)}`);
    return box;
  }
}

function readIrs(r: Reader, value: unknown, path: string, ids: Set<string>): IrsSpec {
  const o = r.object(value, path);
  if (!IRS_TYPES.includes(o.type as IrsType)) r.fail(`${path}.type`, `one of ${IRS_TYPES.join(', ')}`, o.type);
  const irs: IrsSpec = {
    id: r.id(o.id, `${path}.id`, ids),
    x: r.coordinate(o.x, `${path}.x`),
    y: r.coordinate(o.y, `${path}.y`),
    facingDeg: r.number(o.facingDeg, `${path}.facingDeg`),
    elements: r.number(o.elements, `${path}.elements`, { min: 1, max: LIMITS.elements, integer: true }),
    type: o.type as IrsType,
  };
  if (irs.type !== 'passive') {
    irs.ampPowerDbm = r.number(o.ampPowerDbm, `${path}.ampPowerDbm (needed by ${irs.type} IRSs)`, { min: -100, max: 60 });
    irs.ampNoiseDbm = r.number(o.ampNoiseDbm, `${path}.ampNoiseDbm (needed by ${irs.type} IRSs)`, { min: -200, max: 30 });
  }
  if (irs.type === 'hybrid') {
    irs.activeElements = r.number(o.activeElements, `${path}.activeElements (hybrid: 1 … elements − 1)`, { min: 1, max: irs.elements - 1, integer: true });
  }
  return irs;
}

/** Validates a parsed JSON value as a scenario; throws InputError naming the first bad field. */
export function validateScenario(value: unknown, source = 'scenario'): Scenario {
  const r = new Reader(source);
  const o = r.object(value, '(top level)');
  const exponents = r.object(o.pathLossExponent, 'pathLossExponent');
  const nlos = exponents.nlos === null || exponents.nlos === undefined ? null : r.number(exponents.nlos, 'pathLossExponent.nlos (or null)', { min: 1, max: 8 });
  let vertexCount = 0;
  const buildings = r.array(o.buildings ?? [], 'buildings', Infinity).map((ring, i) => {
    const points = r.array(ring, `buildings[${i}]`, LIMITS.buildingVertices).map((p, j) => r.point(p, `buildings[${i}][${j}]`));
    if (points.length < 3) r.fail(`buildings[${i}]`, 'a ring of at least 3 points', ring);
    vertexCount += points.length;
    return points;
  });
  if (vertexCount > LIMITS.buildingVertices) {
    throw new InputError(`${source}: the buildings have ${vertexCount} vertices, at most ${LIMITS.buildingVertices} are supported`, 'Crop the map to the area of interest.');
  }
  const ids = new Set<string>();
  const transmitters = r.array(o.transmitters, 'transmitters', LIMITS.transmitters).map((t, i) => {
    const e = r.object(t, `transmitters[${i}]`);
    return {
      id: r.id(e.id, `transmitters[${i}].id`, ids),
      x: r.coordinate(e.x, `transmitters[${i}].x`),
      y: r.coordinate(e.y, `transmitters[${i}].y`),
      powerDbm: r.number(e.powerDbm, `transmitters[${i}].powerDbm`, { min: -50, max: 80 }),
      antennas: r.number(e.antennas ?? 1, `transmitters[${i}].antennas`, { min: 1, max: 1024, integer: true }),
    };
  });
  if (transmitters.length === 0) throw new InputError(`${source}: transmitters is empty; a scenario needs at least one base station`);
  const irs = r.array(o.irs ?? [], 'irs', LIMITS.irs).map((e, i) => readIrs(r, e, `irs[${i}]`, ids));
  const users = r.array(o.users ?? [], 'users', LIMITS.users).map((u, i) => {
    const e = r.object(u, `users[${i}]`);
    return { id: r.id(e.id, `users[${i}].id`, ids), x: r.coordinate(e.x, `users[${i}].x`), y: r.coordinate(e.y, `users[${i}].y`) };
  });
  const scenario: Scenario = {
    carrierHz: r.number(o.carrierHz, 'carrierHz', { min: 1e8, max: 1e12 }),
    noiseDbm: r.number(o.noiseDbm, 'noiseDbm', { min: -200, max: 30 }),
    bandwidthHz: r.number(o.bandwidthHz, 'bandwidthHz', { min: 0, max: 1e11, exclusiveMin: true }),
    pathLossExponent: { los: r.number(exponents.los, 'pathLossExponent.los', { min: 1, max: 6 }), nlos },
    buildings,
    transmitters,
    irs,
    users,
    area: r.box(o.area, 'area'),
  };
  if (o.userAreas !== undefined) {
    scenario.userAreas = r.array(o.userAreas, 'userAreas', LIMITS.userAreas).map((a, i) => ({
      id: r.id(r.object(a, `userAreas[${i}]`).id, `userAreas[${i}].id`, ids),
      ...r.box(a, `userAreas[${i}]`),
    }));
  }
  if (o.rateThresholdBps !== undefined) scenario.rateThresholdBps = r.number(o.rateThresholdBps, 'rateThresholdBps', { min: 0 });
  if (o.candidates !== undefined) {
    scenario.candidates = r.array(o.candidates, 'candidates', LIMITS.candidates).map((c, i) => {
      const e = r.object(c, `candidates[${i}]`);
      const candidate: Candidate = { x: r.coordinate(e.x, `candidates[${i}].x`), y: r.coordinate(e.y, `candidates[${i}].y`) };
      if (e.facingDeg !== undefined) candidate.facingDeg = r.number(e.facingDeg, `candidates[${i}].facingDeg`);
      return candidate;
    });
  }
  if (o.origin !== undefined) {
    const origin = r.object(o.origin, 'origin');
    scenario.origin = { lon: r.number(origin.lon, 'origin.lon', { min: -180, max: 180 }), lat: r.number(origin.lat, 'origin.lat', { min: -90, max: 90 }) };
  }
  if (o.mapName !== undefined) {
    if (typeof o.mapName !== 'string') r.fail('mapName', 'a string', o.mapName);
    scenario.mapName = o.mapName as string;
  }
  return scenario;
}

export function parseScenario(text: string, source = 'scenario'): Scenario {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${source} is not valid JSON: ${(error as Error).message}`, 'Expected a scenario JSON object (see the IRS page’s “Save JSON”).');
  }
  return validateScenario(value, source);
}

export function serialiseScenario(scenario: Scenario, indent: number | undefined = 2): string {
  return JSON.stringify(scenario, null, indent);
}

/** The rate threshold of the coverage statistic: the scenario's, or 1 bit/s/Hz. */
export function rateThresholdBps(scenario: Scenario): number {
  return scenario.rateThresholdBps ?? scenario.bandwidthHz;
}
