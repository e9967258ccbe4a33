import { activeSnr } from './active.ts';
import { boundElementGain, surfaceSideM } from './farField.ts';
import { doubleReflectionSnr, passiveSnr } from './passive.ts';
import { linearToDb } from './units.ts';

/**
 * Data for the analysis plots, on the canonical line geometry of the active-vs-passive papers: Tx at
 * (0, 0), Rx at (D, 0), an IRS at (x, h) beside the line, the direct link blocked, every link LoS with
 * exponent 2. Each function returns series of {x, y} with y in dB (NaN where there is no value, which
 * the chart leaves as a gap).
 */
export interface LineSetup {
  distanceM: number;
  /** h: how far the IRSs sit from the Tx–Rx line. */
  offsetM: number;
  beta0: number;
  wavelengthM: number;
  powerW: number;
  noiseW: number;
  ampPowerW: number;
  ampNoiseW: number;
  passiveElements: number;
  activeElements: number;
}

export interface XY {
  x: number;
  y: number;
}

const gainAt = (setup: LineSetup, d: number) => setup.beta0 / (d * d);

function passiveAt(setup: LineSetup, x: number, elements = setup.passiveElements): number {
  const d1 = Math.hypot(x, setup.offsetM);
  const d2 = Math.hypot(setup.distanceM - x, setup.offsetM);
  return passiveSnr({ powerW: setup.powerW, antennas: 1, directGain: 0, incidentGain: gainAt(setup, d1), reflectedGain: gainAt(setup, d2), elements, noiseW: setup.noiseW });
}

function activeAt(setup: LineSetup, x: number, elements = setup.activeElements) {
  const d1 = Math.hypot(x, setup.offsetM);
  const d2 = Math.hypot(setup.distanceM - x, setup.offsetM);
  return activeSnr({ powerW: setup.powerW, incidentGain: gainAt(setup, d1), reflectedGain: gainAt(setup, d2), elements, ampPowerW: setup.ampPowerW, ampNoiseW: setup.ampNoiseW, noiseW: setup.noiseW });
}

function linspace(lo: number, hi: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / (count - 1));
}

function logspace(lo: number, hi: number, count: number): number[] {
  return linspace(Math.log10(lo), Math.log10(hi), count).map((e) => Math.round(10 ** e));
}

export interface PositionCurves {
  passive: XY[];
  /** NaN where η < 1 (too close to the Tx for the amplifier budget). */
  active: XY[];
  /** Where η first reaches 1 moving away from the Tx, or null if it does everywhere. */
  etaOneAtM: number | null;
}

/** SNR against the IRS position x along the line: passive peaks near either end, active nearer the Rx. */
export function snrVsPosition(setup: LineSetup, samples = 121): PositionCurves {
  const xs = linspace(0, setup.distanceM, samples);
  const active = xs.map((x) => {
    const result = activeAt(setup, x);
    return { x, y: result.feasible ? linearToDb(result.snr) : Number.NaN };
  });
  const firstFeasible = active.find((p) => Number.isFinite(p.y));
  return {
    passive: xs.map((x) => ({ x, y: linearToDb(passiveAt(setup, x)) })),
    active,
    etaOneAtM: Number.isFinite(active[0].y) ? null : firstFeasible?.x ?? setup.distanceM,
  };
}

export interface ScalingCurves {
  passive: XY[];
  /** The passive IRS with the far-field cap (farField.ts) on both hops: the N² law bends over. */
  passiveBounded: XY[];
  active: XY[];
}

/** SNR against N at position x: passive grows as N² (20 dB/decade), active as N (10 dB/decade). */
export function snrVsElements(setup: LineSetup, positionM: number, range: [number, number] = [10, 1e6], samples = 60): ScalingCurves {
  const counts = logspace(range[0], range[1], samples);
  const d1 = Math.hypot(positionM, setup.offsetM);
  const d2 = Math.hypot(setup.distanceM - positionM, setup.offsetM);
  return {
    passive: counts.map((n) => ({ x: n, y: linearToDb(passiveAt(setup, positionM, n)) })),
    passiveBounded: counts.map((n) => {
      const side = surfaceSideM(n, setup.wavelengthM);
      const g1 = boundElementGain(gainAt(setup, d1), n, side, d1).gain;
      const g2 = boundElementGain(gainAt(setup, d2), n, side, d2).gain;
      return { x: n, y: linearToDb(passiveSnr({ powerW: setup.powerW, antennas: 1, directGain: 0, incidentGain: g1, reflectedGain: g2, elements: n, noiseW: setup.noiseW })) };
    }),
    active: counts.map((n) => {
      const result = activeAt(setup, positionM, n);
      return { x: n, y: result.feasible ? linearToDb(result.snr) : Number.NaN };
    }),
  };
}

export interface CrossoverCurves {
  single: XY[];
  double: XY[];
  /** Total elements above which the double-reflection path beats one IRS: 4·√(g₁ᵤ/(g₁₂·g₂ᵤ)). */
  crossoverElements: number;
}

/**
 * One IRS at (0, h) beside the Tx with N elements, against two at (0, h) and (D, h) with N/2 each
 * (double reflection only): the N⁴/16 path overtakes the N² one once N is large enough.
 */
export function singleVsDouble(setup: LineSetup, range: [number, number] = [10, 1e5], samples = 60): CrossoverCurves {
  const { distanceM: D, offsetM: h } = setup;
  const gNear = gainAt(setup, h);
  const gFar = gainAt(setup, Math.hypot(D, h));
  const gBetween = gainAt(setup, D);
  const counts = logspace(range[0], range[1], samples);
  return {
    single: counts.map((n) => ({ x: n, y: linearToDb(passiveSnr({ powerW: setup.powerW, antennas: 1, directGain: 0, incidentGain: gNear, reflectedGain: gFar, elements: n, noiseW: setup.noiseW })) })),
    double: counts.map((n) => ({ x: n, y: linearToDb(doubleReflectionSnr({ powerW: setup.powerW, gains: [gNear, gBetween, gNear], elements: [n / 2, n / 2], noiseW: setup.noiseW })) })),
    crossoverElements: 4 * Math.sqrt(gFar / (gBetween * gNear)),
  };
}

/** The double-reflection SNR as N₁ = f·N of a fixed total goes to the first IRS: N₁²N₂² peaks at f = ½. */
export function elementSplit(setup: LineSetup, totalElements: number, samples = 101): XY[] {
  const { distanceM: D, offsetM: h } = setup;
  const gains: [number, number, number] = [gainAt(setup, h), gainAt(setup, D), gainAt(setup, h)];
  return linspace(0, 1, samples).map((f) => {
    const n1 = Math.round(f * totalElements);
    const snr = doubleReflectionSnr({ powerW: setup.powerW, gains, elements: [n1, totalElements - n1], noiseW: setup.noiseW });
    return { x: f, y: snr > 0 ? linearToDb(snr) : Number.NaN };
  });
}
