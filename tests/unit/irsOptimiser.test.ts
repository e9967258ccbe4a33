import { describe, expect, it } from 'vitest';
import { CancelFlag } from '../../src/lib/cancel.ts';
import { coverageStats, gridFor, snrGridCpu } from '../../src/lib/irs/coverage.ts';
import { buildFieldModel, evaluatePoint } from '../../src/lib/irs/field.ts';
import { buildObstacles } from '../../src/lib/irs/geometry.ts';
import { comparePassiveActive, expandOptions, optimisePlacement, wallSites, type IrsTemplate } from '../../src/lib/irs/optimiser.ts';
import type { Candidate, IrsSpec, Scenario } from '../../src/lib/irs/scenario.ts';
import { linearToDb } from '../../src/lib/irs/units.ts';
import type { Progress } from '../../src/lib/progress.ts';

// A BS west of a block; the streets north and south of it, and the area east of it, are in its shadow.
const base: Scenario = {
  carrierHz: 3.5e9,
  noiseDbm: -80,
  bandwidthHz: 1e6,
  pathLossExponent: { los: 2, nlos: null },
  buildings: [[[10, -8], [30, -8], [30, 8], [10, 8]], [[10, 14], [30, 14], [30, 30], [10, 30]]],
  transmitters: [{ id: 'bs', x: 0, y: 0, powerDbm: 20, antennas: 1 }],
  irs: [],
  users: [{ id: 'a', x: 40, y: 0 }, { id: 'b', x: 40, y: 20 }, { id: 'c', x: 20, y: -14 }],
  area: { x0: -5, y0: -20, x1: 50, y1: 35 },
  rateThresholdBps: 4e6,
};
const template: IrsTemplate = { elements: 400, type: 'passive' };
const sites: Candidate[] = [
  { x: 35, y: 11, facingDeg: 180 },
  { x: 20, y: 11 },
  { x: 35, y: -12, facingDeg: 135 },
  { x: 5, y: -12 },
  { x: 40, y: 11 },
];

/** The objective recomputed the slow way: the chosen IRSs in a scenario, the full CPU heatmap. */
function coverageOf(irs: IrsSpec[], gridLongSide: number): number {
  const scenario = { ...base, irs };
  const field = snrGridCpu(buildFieldModel(scenario, { mode: 'single' }), gridFor(base.area, gridLongSide));
  return coverageStats(field.snr, field.indoor, { bandwidthHz: 1e6, rateThresholdBps: 4e6 }).coverageRate;
}

const asIrs = (option: { x: number; y: number; facingDeg: number }, i: number): IrsSpec => ({ ...template, id: `opt${i + 1}`, x: option.x, y: option.y, facingDeg: option.facingDeg });

describe('placement optimiser', () => {
  it('with one IRS, greedy finds the best option (brute force over every site and facing)', async () => {
    const result = await optimisePlacement(base, { count: 1, objective: 'coverage', template, sites, gridLongSide: 24 });
    const all = expandOptions(sites).map((o) => coverageOf([asIrs(o, 0)], 24));
    expect(result.options).toBe(all.length);
    expect(result.objective).toBeCloseTo(Math.max(...all), 12);
    expect(coverageOf(result.irs, 24)).toBeCloseTo(result.objective, 12);
    expect(result.objective).toBeGreaterThan(result.baseline);
  });

  it('with two IRSs, ends in a 1-swap local optimum no worse than greedy, scored like the full heatmap', async () => {
    const result = await optimisePlacement(base, { count: 2, objective: 'coverage', template, sites, gridLongSide: 24 });
    expect(result.objective).toBeGreaterThanOrEqual(result.greedy);
    expect(coverageOf(result.irs, 24)).toBeCloseTo(result.objective, 12);
    expect(new Set(result.irs.map((r) => `${r.x},${r.y}`)).size).toBe(2); // one IRS per site
    for (const option of expandOptions(sites)) {
      for (let slot = 0; slot < 2; slot++) {
        const other = result.irs[1 - slot];
        if (option.x === other.x && option.y === other.y) continue;
        expect(coverageOf([other, asIrs(option, slot)], 24)).toBeLessThanOrEqual(result.objective + 1e-12);
      }
    }
  });

  it('maximises the minimum user SNR when asked', async () => {
    // Two users behind the first block, reachable over it from sites north or south of it.
    const shadowed: Scenario = { ...base, buildings: [base.buildings[0]], users: [{ id: 'a', x: 40, y: 2 }, { id: 'b', x: 40, y: -2 }] };
    const open: Candidate[] = [{ x: 20, y: 20 }, { x: 5, y: 15 }, { x: 35, y: 15 }, { x: 20, y: -20 }];
    const result = await optimisePlacement(shadowed, { count: 1, objective: 'minUserSnr', template, sites: open });
    const all = expandOptions(open).map((o) => {
      const model = buildFieldModel({ ...shadowed, irs: [asIrs(o, 0)] }, { mode: 'single' });
      return linearToDb(Math.min(...shadowed.users.map((u) => evaluatePoint(model, u.x, u.y).snr)));
    });
    expect(Number.isFinite(result.objective)).toBe(true);
    expect(result.baseline).toBe(-Infinity); // no direct link reaches them
    expect(result.objective).toBeCloseTo(Math.max(...all), 6);
  });

  it('reports its phases and stops when cancelled', async () => {
    const phases = new Set<string>();
    await optimisePlacement(base, { count: 2, objective: 'coverage', template, sites, gridLongSide: 16 }, { progress: (p: Progress) => phases.add(p.phase) });
    expect([...phases]).toEqual(['Scoring candidate sites', 'Greedy placement', 'Local search']);
    const cancel = new CancelFlag();
    cancel.cancel();
    await expect(optimisePlacement(base, { count: 1, objective: 'coverage', template, sites, gridLongSide: 16 }, { cancel })).rejects.toThrow('Cancelled');
  });

  it('refuses more IRSs than sites', async () => {
    await expect(optimisePlacement(base, { count: 6, objective: 'coverage', template, sites })).rejects.toThrow(/between 1 and 5/);
  });

  it('compares passive and active IRSs at equal total power', async () => {
    const active: IrsTemplate = { elements: 300, type: 'active', ampPowerDbm: 10, ampNoiseDbm: -80 };
    const comparison = await comparePassiveActive(base, { count: 1, objective: 'minUserSnr', sites, passive: template, active });
    // 0.1 W + 1 · 0.01 W = 0.11 W → 20.414 dBm
    expect(comparison.passivePowerDbm[0]).toBeCloseTo(20.414, 3);
    expect(comparison.passive.irs[0].type).toBe('passive');
    expect(comparison.active.irs[0].type).toBe('active');
  });
});

describe('options', () => {
  it('tries eight facings at a free site and the given tilts around a wall’s normal', () => {
    const options = expandOptions([{ x: 0, y: 0 }, { x: 1, y: 1, facingDeg: 350 }], [-30, 0, 30]);
    expect(options.filter((o) => o.site === 0).map((o) => o.facingDeg)).toEqual([0, 45, 90, 135, 180, 225, 270, 315]);
    expect(options.filter((o) => o.site === 1).map((o) => o.facingDeg)).toEqual([320, 350, 20]);
  });
});

describe('wall sites', () => {
  it('puts sites just outside each wall, facing away from it', () => {
    const sitesOnSquare = wallSites(buildObstacles([[[0, 0], [10, 0], [10, 10], [0, 10]]]), { x0: -20, y0: -20, x1: 20, y1: 20 }, { spacingM: 5, offsetM: 0.5 });
    expect(sitesOnSquare).toHaveLength(8);
    expect(sitesOnSquare).toContainEqual({ x: 2.5, y: -0.5, facingDeg: 270 });
    expect(sitesOnSquare).toContainEqual({ x: 10.5, y: 7.5, facingDeg: 0 });
    expect(sitesOnSquare).toContainEqual({ x: -0.5, y: 2.5, facingDeg: 180 });
  });
  it('keeps only sites inside the area, and at most `max`', () => {
    const obstacles = buildObstacles([[[0, 0], [10, 0], [10, 10], [0, 10]]]);
    expect(wallSites(obstacles, { x0: -1, y0: -1, x1: 5, y1: 11 }, { spacingM: 5 }).every((s) => s.x <= 5)).toBe(true);
    expect(wallSites(obstacles, { x0: -20, y0: -20, x1: 20, y1: 20 }, { spacingM: 1, max: 10 })).toHaveLength(10);
  });
});
