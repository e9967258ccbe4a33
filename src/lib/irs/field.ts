import { pathGain, referenceGain, type PathLoss } from './channel.ts';
import { boundElementGain, surfaceSideM } from './farField.ts';
import { buildObstacles, cullObstacles, insideAnyBuilding, lineOfSight, type Box, type Obstacles } from './geometry.ts';
import { lastHopSnr, maxAmplification } from './hybrid.ts';
import { routeWeight, shortestPaths } from './routing.ts';
import type { Scenario } from './scenario.ts';
import { dbmToWatts, wavelengthM } from './units.ts';

/**
 * The field model: everything about a scenario that does not depend on where the receiver is, prepared
 * once so that the SNR at any point (a user, a heatmap cell) is a short loop. This is what the WGSL
 * kernel receives, and `combineAt` below is the per-cell formula it implements.
 *
 * For each transmitter and IRS, an *arrival* is a chain of reflections from that transmitter ending at
 * that IRS, with the per-element signal S and upstream amplifier noise Z it delivers there (both
 * normalised by the receiver noise σ²). A receiver at p then gets, for each arrival, the last hop
 * IRS → p (hybrid.ts: `lastHopSnr`), co-phased with the direct link from the same transmitter; its SNR is
 * the best over arrivals and over the direct links alone. Route modes:
 * - 'direct': no IRS;
 * - 'single': one reflection (arrival chains of length 1), exact;
 * - 'best': single reflections plus, for each IRS, the best multi-reflection chain from the route graph
 *   (routing.ts: Dijkstra, or enumeration when a weight is negative). Since the last hop's weight is ≥ 0
 *   (g ≤ 1, N_user = 1), the best route to any receiver is a best chain to some IRS plus the last hop,
 *   so chains computed once serve every cell. The weights model passive cooperative beamforming; with
 *   active IRSs on a chain they choose the route heuristically, and its SNR is then computed exactly.
 */
export type RouteMode = 'best' | 'single' | 'direct';
export const ROUTE_MODES: readonly RouteMode[] = ['best', 'single', 'direct'];

export interface FieldTransmitter {
  id: string;
  x: number;
  y: number;
  /** √(P·M/σ²): multiplies √g to give the direct amplitude. */
  amplitude: number;
}

export interface Arrival {
  transmitter: number;
  /** S/σ² and Z/σ² per element at the surface. */
  signal: number;
  noise: number;
  etaMax: number;
  /** Ids from the transmitter to this surface. */
  route: string[];
}

export interface FieldSurface {
  id: string;
  x: number;
  y: number;
  /** Unit normal: the surface reflects only into the half-plane it faces. */
  nx: number;
  ny: number;
  elements: number;
  activeElements: number;
  passiveElements: number;
  sideM: number;
  /** P_F/σ², σ_F²/σ² (0 for passive surfaces). */
  ampPower: number;
  ampNoise: number;
  arrivals: Arrival[];
}

export interface FieldWarning {
  kind: 'far-field' | 'amplification';
  objectId: string;
  x: number;
  y: number;
  message: string;
}

export interface SurfaceStatus {
  id: string;
  /** Best η_max over single-hop arrivals (active and hybrid IRSs); null when passive or unlit. */
  eta: number | null;
}

export interface FieldModel {
  obstacles: Obstacles;
  /** Points inside this box see every building that can block them (see `cullObstacles`). */
  box: Box;
  pathLoss: PathLoss;
  transmitters: FieldTransmitter[];
  surfaces: FieldSurface[];
  mode: RouteMode;
  routeMethod: 'dijkstra' | 'enumeration' | 'none';
  warnings: FieldWarning[];
  surfaceStatus: SurfaceStatus[];
}

export interface FieldOptions {
  mode: RouteMode;
  /** Extra points that must be evaluable (the optimiser's candidate sites); the area and objects always are. */
  extraPoints?: readonly { x: number; y: number }[];
  /** Obstacles already built for this scenario's buildings (the worker reuses them while dragging). */
  obstacles?: Obstacles;
}

function pathLossOf(scenario: Scenario): PathLoss {
  return { beta0: referenceGain(scenario.carrierHz), alphaLos: scenario.pathLossExponent.los, alphaNlos: scenario.pathLossExponent.nlos };
}

function modelBox(scenario: Scenario, extraPoints: readonly { x: number; y: number }[] = []): Box {
  const box = { ...scenario.area };
  const points = [...scenario.transmitters, ...scenario.irs, ...scenario.users, ...(scenario.candidates ?? []), ...extraPoints];
  for (const area of scenario.userAreas ?? []) points.push({ x: area.x0, y: area.y0 }, { x: area.x1, y: area.y1 });
  for (const p of points) {
    box.x0 = Math.min(box.x0, p.x);
    box.y0 = Math.min(box.y0, p.y);
    box.x1 = Math.max(box.x1, p.x);
    box.y1 = Math.max(box.y1, p.y);
  }
  return box;
}

interface Hop {
  gain: number;
  binding: boolean;
  distanceM: number;
}

const NO_HOP: Hop = { gain: 0, binding: false, distanceM: 0 };

function isInFront(surface: FieldSurface, x: number, y: number): boolean {
  return surface.nx * (x - surface.x) + surface.ny * (y - surface.y) > 0;
}

/** Per-element gain of the hop from a point (or surface `from`) into surface `to`, with both far-field caps. */
function hopInto(model: FieldModel, x: number, y: number, to: FieldSurface, from?: FieldSurface): Hop {
  if (!isInFront(to, x, y)) return NO_HOP;
  if (from && !isInFront(from, to.x, to.y)) return NO_HOP;
  const distanceM = Math.hypot(to.x - x, to.y - y);
  const los = lineOfSight(model.obstacles, x, y, to.x, to.y);
  let { gain, binding } = boundElementGain(pathGain(model.pathLoss, distanceM, los), to.elements, to.sideM, distanceM);
  if (from) {
    const outgoing = boundElementGain(gain, from.elements, from.sideM, distanceM);
    gain = outgoing.gain;
    binding ||= outgoing.binding;
  }
  return { gain, binding, distanceM };
}

/** g₀ from transmitter t to (x, y). */
export function directGainAt(model: FieldModel, t: number, x: number, y: number): number {
  const tx = model.transmitters[t];
  return pathGain(model.pathLoss, Math.hypot(x - tx.x, y - tx.y), lineOfSight(model.obstacles, tx.x, tx.y, x, y));
}

/** g₂ from surface k to (x, y): 0 behind the surface, capped by the far-field bound. */
export function surfaceGainAt(model: FieldModel, k: number, x: number, y: number): { gain: number; binding: boolean } {
  const surface = model.surfaces[k];
  if (!isInFront(surface, x, y)) return { gain: 0, binding: false };
  const distanceM = Math.hypot(x - surface.x, y - surface.y);
  const los = lineOfSight(model.obstacles, surface.x, surface.y, x, y);
  return boundElementGain(pathGain(model.pathLoss, distanceM, los), surface.elements, surface.sideM, distanceM);
}

export interface PointSnr {
  snr: number;
  transmitter: number;
  /** The serving surface and arrival, or −1 for the direct link alone. */
  surface: number;
  arrival: number;
  eta: number;
}

/** The receiver's SNR from its gains to each transmitter (direct) and each surface (last hop). */
export function combineAt(model: FieldModel, directGains: ArrayLike<number>, surfaceGains: ArrayLike<number>): PointSnr {
  const best: PointSnr = { snr: 0, transmitter: 0, surface: -1, arrival: -1, eta: 0 };
  for (let t = 0; t < model.transmitters.length; t++) {
    const amplitude = model.transmitters[t].amplitude;
    const snr = amplitude * amplitude * directGains[t];
    if (snr > best.snr) Object.assign(best, { snr, transmitter: t });
  }
  for (let k = 0; k < model.surfaces.length; k++) {
    const gain = surfaceGains[k];
    if (gain === 0) continue;
    const surface = model.surfaces[k];
    for (let a = 0; a < surface.arrivals.length; a++) {
      const arrival = surface.arrivals[a];
      const tx = model.transmitters[arrival.transmitter];
      const { snr, eta } = lastHopSnr({
        activeElements: surface.activeElements,
        passiveElements: surface.passiveElements,
        directAmplitude: tx.amplitude * Math.sqrt(directGains[arrival.transmitter]),
        gain,
        signal: arrival.signal,
        noise: arrival.noise,
        etaMax: arrival.etaMax,
        ampNoise: surface.ampNoise,
      });
      if (snr > best.snr) Object.assign(best, { snr, transmitter: arrival.transmitter, surface: k, arrival: a, eta });
    }
  }
  return best;
}

export interface PointEvaluation extends PointSnr {
  indoor: boolean;
  /** The far-field cap bound on the last hop of the serving route. */
  binding: boolean;
}

export function evaluatePoint(model: FieldModel, x: number, y: number): PointEvaluation {
  const directGains = model.transmitters.map((_, t) => directGainAt(model, t, x, y));
  const lastHops = model.surfaces.map((_, k) => surfaceGainAt(model, k, x, y));
  const best = combineAt(model, directGains, lastHops.map((h) => h.gain));
  return { ...best, indoor: insideAnyBuilding(model.obstacles, x, y), binding: best.surface >= 0 && lastHops[best.surface].binding };
}

/** The serving route as ids, transmitter first, ending with `receiverId`. */
export function routeIds(model: FieldModel, point: PointSnr, receiverId: string): string[] {
  if (point.surface < 0) return [model.transmitters[point.transmitter].id, receiverId];
  return [...model.surfaces[point.surface].arrivals[point.arrival].route, receiverId];
}

function surfaceOf(scenario: Scenario, index: number, noiseW: number): FieldSurface {
  const irs = scenario.irs[index];
  const radians = (irs.facingDeg * Math.PI) / 180;
  const activeElements = irs.type === 'active' ? irs.elements : irs.type === 'hybrid' ? irs.activeElements! : 0;
  return {
    id: irs.id,
    x: irs.x,
    y: irs.y,
    nx: Math.cos(radians),
    ny: Math.sin(radians),
    elements: irs.elements,
    activeElements,
    passiveElements: irs.elements - activeElements,
    sideM: surfaceSideM(irs.elements, wavelengthM(scenario.carrierHz)),
    ampPower: irs.type === 'passive' ? 0 : dbmToWatts(irs.ampPowerDbm!) / noiseW,
    ampNoise: irs.type === 'passive' ? 0 : dbmToWatts(irs.ampNoiseDbm!) / noiseW,
    arrivals: [],
  };
}

export function buildFieldModel(scenario: Scenario, options: FieldOptions): FieldModel {
  const noiseW = dbmToWatts(scenario.noiseDbm);
  const box = modelBox(scenario, options.extraPoints);
  const model: FieldModel = {
    obstacles: cullObstacles(options.obstacles ?? buildObstacles(scenario.buildings), box),
    box,
    pathLoss: pathLossOf(scenario),
    transmitters: scenario.transmitters.map((t) => ({ id: t.id, x: t.x, y: t.y, amplitude: Math.sqrt((dbmToWatts(t.powerDbm) * t.antennas) / noiseW) })),
    surfaces: scenario.irs.map((_, k) => surfaceOf(scenario, k, noiseW)),
    mode: options.mode,
    routeMethod: 'none',
    warnings: [],
    surfaceStatus: [],
  };
  if (options.mode !== 'direct') addArrivals(model);
  else model.surfaceStatus = model.surfaces.map((surface) => ({ id: surface.id, eta: null }));
  return model;
}

/** Signal and noise after a chain of surfaces; intermediate active elements run at η_max (or off below 1). */
function propagate(model: FieldModel, t: number, chain: readonly number[], hops: (from: number, to: number) => Hop): Arrival | undefined {
  const tx = model.transmitters[t];
  let signal = tx.amplitude * tx.amplitude * hops(-1 - t, chain[0]).gain;
  let noise = 0;
  for (let i = 0; i + 1 < chain.length; i++) {
    const surface = model.surfaces[chain[i]];
    const etaMax = maxAmplification(surface.activeElements, surface.ampPower, signal, noise, surface.ampNoise);
    const eta = etaMax >= 1 ? etaMax : 0;
    const coherent = (surface.passiveElements + eta * surface.activeElements) ** 2;
    const gain = hops(chain[i], chain[i + 1]).gain;
    noise = gain * (coherent * noise + eta * eta * surface.activeElements * surface.ampNoise);
    signal = gain * coherent * signal;
  }
  if (!(signal > 0)) return undefined;
  const last = model.surfaces[chain[chain.length - 1]];
  return {
    transmitter: t,
    signal,
    noise,
    etaMax: maxAmplification(last.activeElements, last.ampPower, signal, noise, last.ampNoise),
    route: [tx.id, ...chain.map((k) => model.surfaces[k].id)],
  };
}

function addArrivals(model: FieldModel): void {
  const K = model.surfaces.length;
  const T = model.transmitters.length;
  // Hops between nodes, once: transmitters are −1 − t, surfaces 0 … K − 1.
  const table = new Map<string, Hop>();
  const hop = (from: number, to: number): Hop => {
    const key = `${from}>${to}`;
    let h = table.get(key);
    if (!h) {
      const target = model.surfaces[to];
      h = from < 0
        ? hopInto(model, model.transmitters[-1 - from].x, model.transmitters[-1 - from].y, target)
        : from === to ? NO_HOP : hopInto(model, model.surfaces[from].x, model.surfaces[from].y, target, model.surfaces[from]);
      table.set(key, h);
    }
    return h;
  };
  const methods = new Set<'dijkstra' | 'enumeration'>();
  for (let t = 0; t < T; t++) {
    const chains: number[][] = [];
    for (let k = 0; k < K; k++) if (hop(-1 - t, k).gain > 0) chains.push([k]);
    if (model.mode === 'best' && K > 1) {
      // Node 0 is the transmitter, node k + 1 is surface k.
      const n = K + 1;
      const weights = new Float64Array(n * n).fill(Infinity);
      for (let k = 0; k < K; k++) {
        weights[k + 1] = routeWeight(hop(-1 - t, k).gain, model.surfaces[k].elements);
        for (let i = 0; i < K; i++) if (i !== k) weights[(i + 1) * n + k + 1] = routeWeight(hop(i, k).gain, model.surfaces[k].elements);
      }
      const best = shortestPaths(weights, n, 0);
      methods.add(best.method);
      for (let k = 0; k < K; k++) {
        const path = best.paths[k + 1];
        if (path && path.length > 2) chains.push(path.slice(1).map((node) => node - 1));
      }
    }
    for (const chain of chains) {
      const arrival = propagate(model, t, chain, hop);
      if (arrival) model.surfaces[chain[chain.length - 1]].arrivals.push(arrival);
    }
  }
  model.routeMethod = methods.has('enumeration') ? 'enumeration' : methods.has('dijkstra') ? 'dijkstra' : 'none';
  collectWarnings(model, table);
  model.surfaceStatus = model.surfaces.map((surface) => {
    const singles = surface.arrivals.filter((a) => a.route.length === 2).map((a) => a.etaMax);
    return { id: surface.id, eta: surface.activeElements === 0 || singles.length === 0 ? null : Math.max(...singles) };
  });
  // An all-active surface with η_max < 1 has its amplifiers off and reflects nothing: drop those arrivals.
  for (const surface of model.surfaces) {
    if (surface.passiveElements === 0) surface.arrivals = surface.arrivals.filter((a) => a.etaMax >= 1);
  }
}

function collectWarnings(model: FieldModel, hops: Map<string, Hop>): void {
  const seen = new Set<string>();
  const warn = (warning: FieldWarning) => {
    const key = `${warning.kind}:${warning.objectId}`;
    if (seen.has(key)) return;
    seen.add(key);
    model.warnings.push(warning);
  };
  const name = (node: number) => (node < 0 ? model.transmitters[-1 - node].id : model.surfaces[node].id);
  for (const [key, hop] of hops) {
    if (!hop.binding) continue;
    const [from, to] = key.split('>').map(Number);
    const surface = model.surfaces[to];
    warn({
      kind: 'far-field',
      objectId: surface.id,
      x: surface.x,
      y: surface.y,
      message: `${name(from)} → ${surface.id}: ${hop.distanceM.toFixed(2)} m is so close that the N² law would collect more power than falls on the surface; gain capped (Björnson & Sanguinetti 2020).`,
    });
  }
  model.surfaces.forEach((surface) => {
    if (surface.activeElements === 0) return;
    for (const arrival of surface.arrivals) {
      if (arrival.route.length !== 2 || arrival.etaMax >= 1) continue;
      warn({
        kind: 'amplification',
        objectId: surface.id,
        x: surface.x,
        y: surface.y,
        message: `${surface.id}: η = ${arrival.etaMax.toFixed(2)} < 1 for ${arrival.route[0]} — too close to the transmitter for its amplifier budget, so its active elements are off.`,
      });
    }
  });
}
