import { coverageStats, gridFor, snrGridCpu, type CoverageStats, type SnrGrid } from './coverage.ts';
import { buildFieldModel, evaluatePoint, routeIds, type FieldModel, type RouteMode } from './field.ts';
import { rateThresholdBps, type Scenario } from './scenario.ts';
import { linearToDb } from './units.ts';

/**
 * What the page's table and the CLI report: per-user SNR and route, and area coverage with and without
 * the IRSs. One place, so the page and `npm run cli -- irs` print the same numbers.
 */
export interface UserResult {
  id: string;
  snrDb: number;
  rateBps: number;
  /** SNR with the direct links only, for the "gain from IRSs" column. */
  directSnrDb: number;
  route: string[];
  /** η of the serving IRS's active elements, when it has any. */
  eta: number | null;
  indoor: boolean;
  /** The far-field cap bound on the serving route's last hop. */
  farFieldBinding: boolean;
}

export function evaluateUsers(scenario: Scenario, model: FieldModel, directModel: FieldModel): UserResult[] {
  return scenario.users.map((user) => {
    const point = evaluatePoint(model, user.x, user.y);
    const direct = evaluatePoint(directModel, user.x, user.y);
    const serving = point.surface >= 0 ? model.surfaces[point.surface] : undefined;
    return {
      id: user.id,
      snrDb: linearToDb(point.snr),
      rateBps: scenario.bandwidthHz * Math.log2(1 + point.snr),
      directSnrDb: linearToDb(direct.snr),
      route: routeIds(model, point, user.id),
      eta: serving && serving.activeElements > 0 ? point.eta : null,
      indoor: point.indoor,
      farFieldBinding: point.binding,
    };
  });
}

export function areaCoverage(scenario: Scenario, field: SnrGrid): CoverageStats {
  return coverageStats(field.snr, field.indoor, { bandwidthHz: scenario.bandwidthHz, rateThresholdBps: rateThresholdBps(scenario) });
}

export interface Summary {
  users: { id: string; snrDb: number; route: string[] }[];
  coverage: { rateThresholdBps: number; coverageRate: number; areaAverageSnrDb: number };
}

/** The CLI's one JSON line, on the CPU path. SNR of a user with no link at all is −Infinity (JSON null). */
export function summarise(scenario: Scenario, options: { gridLongSide: number; mode: RouteMode }): Summary {
  const model = buildFieldModel(scenario, { mode: options.mode });
  const directModel = options.mode === 'direct' ? model : buildFieldModel(scenario, { mode: 'direct' });
  const users = evaluateUsers(scenario, model, directModel);
  const stats = areaCoverage(scenario, snrGridCpu(model, gridFor(scenario.area, options.gridLongSide)));
  return {
    users: users.map(({ id, snrDb, route }) => ({ id, snrDb, route })),
    coverage: { rateThresholdBps: stats.rateThresholdBps, coverageRate: stats.coverageRate, areaAverageSnrDb: stats.areaAverageSnrDb },
  };
}
