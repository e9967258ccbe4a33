import { describe, expect, it } from 'vitest';
import { activeAmplification, activeSnr } from '../../src/lib/irs/active.ts';
import { pathGain, referenceGain } from '../../src/lib/irs/channel.ts';
import { bindingRadiusM, boundElementGain, capturedFraction, surfaceSideM } from '../../src/lib/irs/farField.ts';
import { hybridSnr, lastHopSnr } from '../../src/lib/irs/hybrid.ts';
import { doubleReflectionSnr, passiveSnr } from '../../src/lib/irs/passive.ts';
import { dbToLinear, dbmToWatts, linearToDb, wavelengthM } from '../../src/lib/irs/units.ts';

/**
 * Closed forms against numbers worked out by hand (the arithmetic is in the comments), with Fu & Zhang's
 * parameters: β₀ = −43 dB (5.011872e-5), σ² = −80 dBm (1e-11 W), P = 20 dBm (0.1 W), P_F = 4 dBm
 * (2.511886e-3 W), N = 600 passive / 450 active, Tx–Rx distance D = 30 m. σ_F² = −80 dBm unless said.
 */
const beta0 = dbToLinear(-43);
const noiseW = dbmToWatts(-80);
const powerW = dbmToWatts(20);
const ampPowerW = dbmToWatts(4);
const g = (d: number) => beta0 / (d * d);

describe('units and channel', () => {
  it('converts dBm to watts and back', () => {
    expect(dbmToWatts(20)).toBeCloseTo(0.1, 12);
    expect(dbmToWatts(-80)).toBeCloseTo(1e-11, 20);
    expect(linearToDb(1000)).toBeCloseTo(30, 12);
  });
  it('β₀ = (c/4πf)² is −43.3 dB at 3.5 GHz', () => {
    // λ = 299792458 / 3.5e9 = 0.0856550 m; λ/4π = 6.81622e-3; squared = 4.64608e-5 → −43.329 dB
    expect(linearToDb(referenceGain(3.5e9))).toBeCloseTo(-43.329, 3);
  });
  it('g = β₀·d^−α, nothing for a blocked link with nlos = null, capped at 1', () => {
    const pathLoss = { beta0, alphaLos: 2, alphaNlos: null };
    expect(pathGain(pathLoss, 10, true)).toBeCloseTo(5.011872e-7, 12);
    expect(pathGain(pathLoss, 10, false)).toBe(0);
    expect(pathGain({ ...pathLoss, alphaNlos: 3.5 }, 10, false)).toBeCloseTo(beta0 * 10 ** -3.5, 15);
    expect(pathGain(pathLoss, 1e-4, true)).toBe(1);
  });
});

describe('passive IRS (Wu & Zhang)', () => {
  it('single IRS, direct link blocked: d₁ = 10 m, d₂ = 20 m gives 23.542 dB', () => {
    // SNR = P·N²·β₀²/(σ²·d₁²·d₂²) = 1e10 · 360000 · 2.511886e-9 / 40000 = 226.0698 → 23.5424 dB
    const snr = passiveSnr({ powerW, antennas: 1, directGain: 0, incidentGain: g(10), reflectedGain: g(20), elements: 600, noiseW });
    expect(snr).toBeCloseTo(226.0698, 3);
    expect(linearToDb(snr)).toBeCloseTo(23.5424, 4);
  });
  it('co-phases the direct link over D = 30 m: 31.739 dB', () => {
    // √g₀ = √β₀/30 = 2.359830e-4; N·√(g₁g₂) = 600·β₀/200 = 1.503562e-4; (sum)²·P/σ² = 1492.571
    const snr = passiveSnr({ powerW, antennas: 1, directGain: g(30), incidentGain: g(10), reflectedGain: g(20), elements: 600, noiseW });
    expect(snr).toBeCloseTo(1492.571, 2);
  });
  it('M transmit antennas multiply the SNR by M', () => {
    const one = passiveSnr({ powerW, antennas: 1, directGain: g(30), incidentGain: g(10), reflectedGain: g(20), elements: 600, noiseW });
    const four = passiveSnr({ powerW, antennas: 4, directGain: g(30), incidentGain: g(10), reflectedGain: g(20), elements: 600, noiseW });
    expect(four / one).toBeCloseTo(4, 12);
  });
  it('double reflection, 300 + 300 elements, hops of 2, 26 and 2 m: 29.744 dB', () => {
    // P·β₀³/(4·676·4)·(300·300)² / σ² = 942.797 → 29.7442 dB
    const snr = doubleReflectionSnr({ powerW, gains: [g(2), g(26), g(2)], elements: [300, 300], noiseW });
    expect(snr).toBeCloseTo(942.797, 2);
    // an unequal split (200 + 400) loses: (200·400)²/(300·300)² = 0.790 → 744.926
    expect(doubleReflectionSnr({ powerW, gains: [g(2), g(26), g(2)], elements: [200, 400], noiseW })).toBeCloseTo(744.926, 2);
  });
});

describe('active IRS (You & Zhang; Long et al.; Zhang et al.)', () => {
  const link = { powerW, incidentGain: g(10), reflectedGain: g(20), elements: 450, ampPowerW, ampNoiseW: noiseW, noiseW };
  it('η² = P_F/(N(P·g₁ + σ_F²)) = 111.353 at d₁ = 10 m', () => {
    // 2.511886e-3 / (450 · (0.1 · 5.011872e-7 + 1e-11)) = 2.511886e-3 / 2.255792e-5 = 111.3527
    expect(activeAmplification(link)).toBeCloseTo(111.3527, 3);
  });
  it('SNR = η²g₁g₂N²P/(η²g₂Nσ_F² + σ²) = 41.483 dB at d₁ = 10 m, d₂ = 20 m', () => {
    // numerator 111.3527 · 5.011872e-7 · 1.252968e-7 · 202500 · 0.1 = 1.416009e-7;
    // denominator 111.3527 · 1.252968e-7 · 450 · 1e-11 + 1e-11 = 1.006278e-11; ratio 14071.74
    const result = activeSnr(link);
    expect(result.feasible).toBe(true);
    expect(result.eta).toBeCloseTo(10.5524, 3);
    expect(result.snr).toBeCloseTo(14071.74, 0);
    expect(linearToDb(result.snr)).toBeCloseTo(41.4835, 3);
  });
  it('enforces η ≥ 1: feasible at 1 m from the BS, not at 0.9 m (threshold 0.9476 m)', () => {
    // η² = 1 ⇔ d² = P·β₀/(P_F/N − σ_F²) = 5.011872e-6 / 5.581970e-6 → d = 0.94756 m
    const at = (d: number) => activeSnr({ ...link, incidentGain: g(d) });
    expect(at(1).eta).toBeCloseTo(1.05534, 4);
    expect(at(1).feasible).toBe(true);
    expect(at(0.9).eta).toBeCloseTo(0.94981, 4);
    expect(at(0.9)).toEqual({ snr: 0, eta: expect.closeTo(0.94981, 4), feasible: false });
    expect(at(0.9475).feasible).toBe(false);
    expect(at(0.9477).feasible).toBe(true);
  });
  it('at the midpoint of D = 30 m the active IRS beats the passive one (43.90 vs 22.52 dB)', () => {
    const passive = passiveSnr({ powerW, antennas: 1, directGain: 0, incidentGain: g(15), reflectedGain: g(15), elements: 600, noiseW });
    const active = activeSnr({ ...link, incidentGain: g(15), reflectedGain: g(15) });
    expect(linearToDb(passive)).toBeCloseTo(22.5194, 3);
    expect(linearToDb(active.snr)).toBeCloseTo(43.9007, 3);
  });
});

describe('hybrid IRS and the general last hop', () => {
  it('reduces to the passive closed form with no active elements', () => {
    const snr = hybridSnr({ activeElements: 0, passiveElements: 600, powerW, directGain: g(30), incidentGain: g(10), reflectedGain: g(20), ampPowerW, ampNoiseW: noiseW, noiseW });
    expect(snr.snr).toBeCloseTo(1492.571, 2);
    expect(snr.eta).toBe(0);
  });
  it('reduces to the active closed form with no passive elements and no direct link', () => {
    const snr = hybridSnr({ activeElements: 450, passiveElements: 0, powerW, directGain: 0, incidentGain: g(10), reflectedGain: g(20), ampPowerW, ampNoiseW: noiseW, noiseW });
    expect(snr.snr).toBeCloseTo(14071.74, 0);
    expect(snr.eta).toBeCloseTo(10.5524, 3);
  });
  it('150 active + 300 passive at d₁ = 10, d₂ = 20 m runs at η_max = 18.277: 37.614 dB', () => {
    // η_max² = (P_F/σ²)/(N_a·(P·g₁/σ² + σ_F²/σ²)) = 2.511886e8/(150 · 5012.872) = 334.06;
    // SNR = g₂·S·(N_p + η·N_a)²/(1 + η²·g₂·N_a·σ_F²/σ²) = 5773.28; the stationary point (26603) is past η_max
    const snr = hybridSnr({ activeElements: 150, passiveElements: 300, powerW, directGain: 0, incidentGain: g(10), reflectedGain: g(20), ampPowerW, ampNoiseW: noiseW, noiseW });
    expect(snr.eta).toBeCloseTo(18.2773, 3);
    expect(snr.snr).toBeCloseTo(5773.28, 1);
  });
  it('backs off below η_max when amplifier noise outweighs the gain: η* = 6.651 at d₂ = 1 m, σ_F² = −70 dBm', () => {
    // η* = 1/(N_p·g₂·σ_F²/σ²) = 1/(300 · 5.011872e-5 · 10) = 6.6509; SNR(η*) = 97785.06 > SNR(η_max = 18.26) = 88997.34
    const snr = hybridSnr({ activeElements: 150, passiveElements: 300, powerW, directGain: 0, incidentGain: g(10), reflectedGain: g(1), ampPowerW, ampNoiseW: dbmToWatts(-70), noiseW });
    expect(snr.eta).toBeCloseTo(6.6509, 3);
    expect(snr.snr).toBeCloseTo(97785.06, 0);
  });
  it('switches the active part off when η_max < 1', () => {
    const hop = { activeElements: 450, passiveElements: 0, directAmplitude: 3, gain: 1e-6, signal: 1e6, noise: 0, etaMax: 0.9, ampNoise: 1 };
    expect(lastHopSnr(hop)).toEqual({ snr: 9, eta: 0 });
  });
  it('never does worse than η = 1 or η_max (the best of the candidates)', () => {
    for (const directAmplitude of [0, 0.5, 5, 50]) {
      const hop = { activeElements: 100, passiveElements: 200, directAmplitude, gain: 2e-7, signal: 3e4, noise: 2, etaMax: 12, ampNoise: 3 };
      const best = lastHopSnr(hop);
      for (let eta = 1; eta <= 12; eta += 0.25) {
        const a = directAmplitude + Math.sqrt(hop.gain * hop.signal) * (200 + eta * 100);
        const q = hop.gain * hop.noise * (200 + eta * 100) ** 2 + eta * eta * hop.gain * 100 * hop.ampNoise + 1;
        expect(best.snr).toBeGreaterThanOrEqual((a * a) / q - 1e-9 * best.snr);
      }
    }
  });
});

describe('far-field bound (Björnson & Sanguinetti 2020)', () => {
  const lambda = wavelengthM(3.5e9);
  it('a surface catches at most half of an isotropic source, and Ω/4π ≈ L²/(4πd²) far away', () => {
    expect(capturedFraction(1, 0)).toBeCloseTo(0.5, 12);
    expect(capturedFraction(1, 100) / (1 / (4 * Math.PI * 1e4))).toBeCloseTo(1, 4);
  });
  it('N = 600 at 3.5 GHz is 1.049 m wide; the N² law is capped only within a third of that (0.332 m)', () => {
    const side = surfaceSideM(600, lambda);
    // √600 · 0.0856550/2 = 24.4949 · 0.0428275 = 1.04906 m
    expect(side).toBeCloseTo(1.04906, 4);
    const beta = referenceGain(3.5e9);
    expect(boundElementGain(beta / 100, 600, side, 10).binding).toBe(false);
    expect(boundElementGain(beta / 0.01, 600, side, 0.1).binding).toBe(true);
    const radius = bindingRadiusM(beta, 600, side);
    // at d = 0.332 m: N·β₀/d² = 600 · 4.64608e-5 / 0.110224 = 0.2529 and asin(1.10053/1.54143)/π = 0.2531
    expect(radius).toBeCloseTo(0.332, 3);
    expect(boundElementGain(beta / (radius * 1.01) ** 2, 600, side, radius * 1.01).binding).toBe(false);
    expect(boundElementGain(beta / (radius * 0.99) ** 2, 600, side, radius * 0.99).binding).toBe(true);
  });
});
