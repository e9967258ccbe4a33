import { describe, expect, it } from 'vitest';
import { coverageStats, gridFor, snrGridCpu } from '../../src/lib/irs/coverage.ts';
import { buildFieldModel, evaluatePoint } from '../../src/lib/irs/field.ts';
import { optimisePlacement, type IrsTemplate } from '../../src/lib/irs/optimiser.ts';
import type { Candidate, IrsSpec, Scenario } from '../../src/lib/irs/scenario.ts';
import { linearToDb } from '../../src/lib/irs/units.ts';

// The optimiser's "current scenario" and "add to existing" numbers, checked against the full CPU heatmap
// of the same IRSs (single reflections), on a BS west of two blocks with users in their shadow.
const template: IrsTemplate = { elements: 400, type: 'passive' };
const placed: IrsSpec = { id: 'r1', x: 5, y: -12, facingDeg: 45, elements: 400, type: 'passive' };
const base: Scenario = {
  carrierHz: 3.5e9,
  noiseDbm: -80,
  bandwidthHz: 1e6,
  pathLossExponent: { los: 2, nlos: null },
  buildings: [[[10, -8], [30, -8], [30, 8], [10, 8]], [[10, 14], [30, 14], [30, 30], [10, 30]]],
  transmitters: [{ id: 'bs', x: 0, y: 0, powerDbm: 20, antennas: 1 }],
  irs: [placed],
  users: [{ id: 'a', x: 40, y: 0 }, { id: 'b', x: 40, y: 20 }, { id: 'c', x: 20, y: -14 }],
  area: { x0: -5, y0: -20, x1: 50, y1: 35 },
  rateThresholdBps: 4e6,
};
const sites: Candidate[] = [{ x: 35, y: 11, facingDeg: 180 }, { x: 20, y: 11 }, { x: 40, y: 11 }];

function coverageOf(irs: IrsSpec[]): number {
  const field = snrGridCpu(buildFieldModel({ ...base, irs }, { mode: 'single' }), gridFor(base.area, 24));
  return coverageStats(field.snr, field.indoor, { bandwidthHz: 1e6, rateThresholdBps: 4e6 }).coverageRate;
}

describe('optimiser against the current scenario', () => {
  it('scores the placed IRSs, and the placed ones plus the chosen ones, like the full heatmap', async () => {
    const result = await optimisePlacement(base, { count: 1, objective: 'coverage', template, sites, gridLongSide: 24 });
    expect(result.current).toBeCloseTo(coverageOf([placed]), 12);
    const added = result.irs.map((r) => ({ ...r, id: 'r2' }));
    expect(result.addedToCurrent).toBeCloseTo(coverageOf([placed, ...added]), 12);
    expect(result.objective).toBeCloseTo(coverageOf(added), 12);
    expect(result.current).toBeGreaterThan(result.baseline);
    expect(result.addedToCurrent).toBeGreaterThanOrEqual(Math.max(result.current, result.objective));
  });

  it('without placed IRSs the current scenario is the direct-only baseline', async () => {
    const result = await optimisePlacement({ ...base, irs: [] }, { count: 1, objective: 'coverage', template, sites, gridLongSide: 24 });
    expect(result.current).toBe(result.baseline);
    expect(result.addedToCurrent).toBe(result.objective);
  });

  it('for the worst-user objective, uses the users’ SNR with the placed IRS', async () => {
    const result = await optimisePlacement(base, { count: 1, objective: 'minUserSnr', template, sites });
    const model = buildFieldModel(base, { mode: 'single' });
    const worst = Math.min(...base.users.map((u) => evaluatePoint(model, u.x, u.y).snr));
    expect(result.current).toBeCloseTo(linearToDb(worst), 4);
  });
});
