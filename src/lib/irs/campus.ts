import type { ImportedMap } from './geojson.ts';
import type { Scenario } from './scenario.ts';

/**
 * The embedded default: UBC Vancouver's building footprints (public/datasets/campus-buildings-ubc,
 * PDDL), projected about the campus centre, with a base station on a plaza and users in the shadow of
 * the buildings around it, so the IRSs have something to do. Frequencies and powers follow the
 * active-vs-passive papers (3.5 GHz, 20 dBm, σ² = −80 dBm, P_F = 4 dBm).
 */
export const CAMPUS_MAP_NAME = 'ubc-campus';
export const CAMPUS_GEOJSON_PATH = 'datasets/campus-buildings-ubc/ubcv_buildings.geojson';

export function campusScenario(map: ImportedMap): Scenario {
  return {
    carrierHz: 3.5e9,
    noiseDbm: -80,
    bandwidthHz: 1e6,
    pathLossExponent: { los: 2, nlos: null },
    buildings: map.buildings,
    transmitters: [{ id: 'bs', x: -330, y: 640, powerDbm: 20, antennas: 4 }],
    // Wall-mounted sites the optimiser (along walls, minimum user SNR) picks for these users, one per type.
    irs: [
      { id: 'r1', x: -245.21, y: 542.96, facingDeg: 208, elements: 600, type: 'passive' },
      { id: 'r2', x: -379.96, y: 552.38, facingDeg: 118, elements: 450, type: 'active', ampPowerDbm: 4, ampNoiseDbm: -80 },
      { id: 'r3', x: -349.37, y: 655.7, facingDeg: 29, elements: 600, type: 'hybrid', activeElements: 150, ampPowerDbm: 4, ampNoiseDbm: -80 },
    ],
    users: [
      { id: 'u1', x: -250, y: 530 },
      { id: 'u2', x: -400, y: 560 },
      { id: 'u3', x: -250, y: 730 },
    ],
    userAreas: [{ id: 'walk', x0: -440, y0: 540, x1: -400, y1: 580 }],
    area: { x0: -560, y0: 470, x1: -160, y1: 820 },
    rateThresholdBps: 2e6,
    origin: map.origin,
    mapName: CAMPUS_MAP_NAME,
  };
}
