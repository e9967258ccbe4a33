import { describe, expect, it } from 'vitest';
import { activeSnr } from '../../src/lib/irs/active.ts';
import { referenceGain } from '../../src/lib/irs/channel.ts';
import { cellCentre, coverageStats, gridFor, snrGridCpu, SNR_FLOOR_DB } from '../../src/lib/irs/coverage.ts';
import { evaluateUsers, summarise } from '../../src/lib/irs/evaluate.ts';
import { buildFieldModel, evaluatePoint, routeIds } from '../../src/lib/irs/field.ts';
import { doubleReflectionSnr, passiveSnr } from '../../src/lib/irs/passive.ts';
import { parseScenario, type IrsSpec, type Scenario } from '../../src/lib/irs/scenario.ts';
import { dbmToWatts } from '../../src/lib/irs/units.ts';
import { ISSUE_EXAMPLE } from './irsFixtures.ts';

const beta0 = referenceGain(3.5e9);
const g = (d: number) => beta0 / (d * d);
const noiseW = dbmToWatts(-80);
const powerW = dbmToWatts(20);

function scenario(parts: Partial<Scenario>): Scenario {
  return {
    carrierHz: 3.5e9,
    noiseDbm: -80,
    bandwidthHz: 1e6,
    pathLossExponent: { los: 2, nlos: null },
    buildings: [],
    transmitters: [{ id: 'bs', x: 0, y: 0, powerDbm: 20, antennas: 1 }],
    irs: [],
    users: [{ id: 'u', x: 30, y: 0 }],
    area: { x0: -5, y0: -12, x1: 35, y1: 12 },
    ...parts,
  };
}

// A thin wall between BS (0, 0) and user (30, 0) that leaves the IRS at (10, 10) in sight of both.
const wall: [number, number][] = [[14, -5], [16, -5], [16, 5], [14, 5]];
const passiveAt10: IrsSpec = { id: 'r1', x: 10, y: 10, facingDeg: -90, elements: 600, type: 'passive' };
const d1 = Math.hypot(10, 10);
const d2 = Math.hypot(20, 10);

describe('field model against the closed forms', () => {
  it('a passive IRS behind a wall gives Wu & Zhang’s SNR and the route bs → r1 → u', () => {
    const model = buildFieldModel(scenario({ buildings: [wall], irs: [passiveAt10] }), { mode: 'best' });
    const point = evaluatePoint(model, 30, 0);
    const want = passiveSnr({ powerW, antennas: 1, directGain: 0, incidentGain: g(d1), reflectedGain: g(d2), elements: 600, noiseW });
    expect(point.snr / want).toBeCloseTo(1, 10);
    expect(routeIds(model, point, 'u')).toEqual(['bs', 'r1', 'u']);
  });

  it('co-phases the direct link when there is no wall, and counts M antennas', () => {
    const model = buildFieldModel(scenario({ irs: [passiveAt10], transmitters: [{ id: 'bs', x: 0, y: 0, powerDbm: 20, antennas: 4 }] }), { mode: 'single' });
    const want = passiveSnr({ powerW, antennas: 4, directGain: g(30), incidentGain: g(d1), reflectedGain: g(d2), elements: 600, noiseW });
    expect(evaluatePoint(model, 30, 0).snr / want).toBeCloseTo(1, 10);
  });

  it('an active IRS gives the active closed form (direct link blocked)', () => {
    const irs: IrsSpec = { ...passiveAt10, type: 'active', elements: 450, ampPowerDbm: 4, ampNoiseDbm: -80 };
    const model = buildFieldModel(scenario({ buildings: [wall], irs: [irs] }), { mode: 'single' });
    const point = evaluatePoint(model, 30, 0);
    const want = activeSnr({ powerW, incidentGain: g(d1), reflectedGain: g(d2), elements: 450, ampPowerW: dbmToWatts(4), ampNoiseW: noiseW, noiseW });
    expect(point.snr / want.snr).toBeCloseTo(1, 10);
    expect(point.eta).toBeCloseTo(want.eta, 10);
    expect(model.surfaceStatus[0].eta).toBeCloseTo(want.eta, 10);
  });

  it('reflects only into the front half-plane', () => {
    const model = buildFieldModel(scenario({ buildings: [wall], irs: [{ ...passiveAt10, facingDeg: 90 }] }), { mode: 'best' });
    expect(evaluatePoint(model, 30, 0).snr).toBe(0);
    expect(model.surfaces[0].arrivals).toEqual([]);
  });

  // BS (0, 0) and user (30, 0) on either side of a long block; r1 near the BS and r2 near the user see each
  // other over it, but neither single reflection gets past the block.
  const block: [number, number][] = [[2, -10], [28, -10], [28, 1], [2, 1]];
  const pair: IrsSpec[] = [
    { id: 'r1', x: 1, y: 3, facingDeg: -45, elements: 300, type: 'passive' },
    { id: 'r2', x: 29, y: 3, facingDeg: -135, elements: 300, type: 'passive' },
  ];

  it('routes over two IRSs when no single reflection gets through, with the N₁²N₂² gain', () => {
    const model = buildFieldModel(scenario({ buildings: [block], irs: pair }), { mode: 'best' });
    expect(model.routeMethod).toBe('dijkstra');
    const point = evaluatePoint(model, 30, 0);
    expect(routeIds(model, point, 'u')).toEqual(['bs', 'r1', 'r2', 'u']);
    const want = doubleReflectionSnr({ powerW, gains: [g(Math.hypot(1, 3)), g(28), g(Math.hypot(1, 3))], elements: [300, 300], noiseW });
    expect(point.snr / want).toBeCloseTo(1, 10);
  });

  it('single-reflection mode finds nothing there, and the direct mode neither', () => {
    for (const mode of ['single', 'direct'] as const) {
      const model = buildFieldModel(scenario({ buildings: [block], irs: pair }), { mode });
      const point = evaluatePoint(model, 30, 0);
      expect(point.snr).toBe(0);
      expect(routeIds(model, point, 'u')).toEqual(['bs', 'u']);
    }
  });

  it('switches to exact enumeration when big surfaces a few metres apart make a weight negative', () => {
    const close: IrsSpec[] = [
      { id: 'r1', x: 1, y: 3, facingDeg: -45, elements: 2000, type: 'passive' },
      { id: 'r2', x: 4, y: 3, facingDeg: -135, elements: 2000, type: 'passive' },
    ];
    const model = buildFieldModel(scenario({ irs: close }), { mode: 'best' });
    expect(model.routeMethod).toBe('enumeration');
  });

  it('warns when an active IRS is too close to the transmitter (η < 1) and turns it off', () => {
    const irs: IrsSpec = { id: 'a', x: 0.5, y: 0, facingDeg: 180, elements: 450, type: 'active', ampPowerDbm: 4, ampNoiseDbm: -80 };
    const model = buildFieldModel(scenario({ irs: [irs], users: [{ id: 'u', x: -10, y: 5 }] }), { mode: 'single' });
    expect(model.surfaceStatus[0].eta).toBeLessThan(1);
    expect(model.warnings.map((w) => w.kind)).toContain('amplification');
    const point = evaluatePoint(model, -10, 5);
    expect(point.surface).toBe(-1); // served by the direct link only
  });

  it('caps the N² law near a surface and flags it, on the BS hop and on a user’s last hop', () => {
    // 4000 elements at 3.5 GHz: side √4000·λ/2 = 2.71 m; 0.2 m from the BS the model would collect
    // N·β₀/d² = 4.6 of the BS power, against at most 1/2 falling on the surface.
    const irs: IrsSpec = { id: 'big', x: 0.2, y: 0, facingDeg: 180, elements: 4000, type: 'passive' };
    const near = scenario({ irs: [irs], users: [{ id: 'u', x: -0.3, y: 0.05 }] });
    const model = buildFieldModel(near, { mode: 'single' });
    expect(model.warnings.map((w) => `${w.kind}:${w.objectId}`)).toEqual(['far-field:big']);
    const [user] = evaluateUsers(near, model, buildFieldModel(near, { mode: 'direct' }));
    expect(user.route).toEqual(['bs', 'big', 'u']);
    expect(user.farFieldBinding).toBe(true);
  });
});

describe('heatmap CPU twin and coverage', () => {
  const example = parseScenario(ISSUE_EXAMPLE);

  it('every cell equals the point evaluation at its centre', () => {
    const model = buildFieldModel(example, { mode: 'best' });
    const grid = gridFor(example.area, 23);
    const field = snrGridCpu(model, grid);
    expect([grid.cols, grid.rows]).toEqual([23, 18]);
    for (let i = 0; i < field.snr.length; i++) {
      const { x, y } = cellCentre(grid, i);
      const point = evaluatePoint(model, x, y);
      expect(field.snr[i]).toBe(Math.fround(point.snr));
      expect(field.indoor[i]).toBe(point.indoor ? 1 : 0);
    }
    expect(field.indoor.some((v) => v === 1)).toBe(true);
  });

  it('places row 0 at the top', () => {
    const grid = gridFor({ x0: 0, y0: 0, x1: 4, y1: 2 }, 4);
    expect(cellCentre(grid, 0)).toEqual({ x: 0.5, y: 1.5 });
    expect(cellCentre(grid, 7)).toEqual({ x: 3.5, y: 0.5 });
  });

  it('counts coverage over outdoor cells with the rate threshold', () => {
    // B = 1 MHz, threshold 1 Mbit/s ⇔ SNR ≥ 1; cell 3 is indoor, cell 4 has no link (floored at −50 dB)
    const snr = Float32Array.from([1, 10, 0.5, 1000, 0]);
    const indoor = Uint8Array.from([0, 0, 0, 1, 0]);
    const stats = coverageStats(snr, indoor, { bandwidthHz: 1e6, rateThresholdBps: 1e6 });
    expect(stats.outdoorCells).toBe(4);
    expect(stats.coverageRate).toBe(0.5);
    expect(stats.areaAverageSnrDb).toBeCloseTo((0 + 10 + 10 * Math.log10(0.5) + SNR_FLOOR_DB) / 4, 5);
  });

  it('summarises the issue’s example in the CLI format', () => {
    const summary = summarise(example, { gridLongSide: 40, mode: 'best' });
    expect(Object.keys(summary)).toEqual(['users', 'coverage']);
    expect(Object.keys(summary.coverage)).toEqual(['rateThresholdBps', 'coverageRate', 'areaAverageSnrDb']);
    expect(summary.users).toEqual([{ id: 'u1', snrDb: expect.any(Number), route: ['bs', 'r1', 'u1'] }]);
    // r1 at (15, 5), 15.81 m from both ends: 0.1·(600·β₀/250)²/1e-11 = 124.35 → 20.946 dB
    expect(summary.users[0].snrDb).toBeCloseTo(20.946, 3);
    const direct = summarise(example, { gridLongSide: 40, mode: 'direct' });
    expect(direct.users[0].snrDb).toBe(-Infinity);
    expect(JSON.parse(JSON.stringify(direct)).users[0].snrDb).toBeNull();
    expect(summary.coverage.coverageRate).toBeGreaterThan(direct.coverage.coverageRate);
  });
});
