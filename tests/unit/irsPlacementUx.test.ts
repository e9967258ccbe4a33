import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/lib/irs/scenario.ts';
import { addObject, facingTowards, idleSurfaces, keyMove } from '../../src/views/irs/objects.ts';

const scenario: Scenario = {
  carrierHz: 3.5e9,
  noiseDbm: -80,
  bandwidthHz: 1e6,
  pathLossExponent: { los: 2, nlos: null },
  buildings: [],
  transmitters: [{ id: 'bs', x: 0, y: 0, powerDbm: 20, antennas: 1 }],
  irs: [],
  users: [{ id: 'near', x: 10, y: 20 }, { id: 'far', x: -100, y: 0 }],
  area: { x0: -120, y0: -50, x1: 50, y1: 50 },
};

describe('a new IRS faces its nearest user', () => {
  it('turns halfway between the nearest user and the nearest transmitter, so both are in front', () => {
    // At (10, 0): the user is straight up (90°), the BS straight left (180°): facing 135°.
    expect(facingTowards(scenario, 10, 0)).toBe(135);
    const { scenario: added } = addObject(scenario, 'irs', 10, 0);
    const irs = added.irs[0];
    expect(irs.facingDeg).toBe(135);
    const normal = [Math.cos((irs.facingDeg * Math.PI) / 180), Math.sin((irs.facingDeg * Math.PI) / 180)];
    for (const p of [scenario.users[0], scenario.transmitters[0]]) expect(normal[0] * (p.x - 10) + normal[1] * (p.y - 0)).toBeGreaterThan(0);
  });
  it('faces the user alone when user and transmitter are exactly opposite, and 0° with no user', () => {
    // At (5, 0): the BS is at 180°; a user at (10, 0) is at 0° — opposite.
    expect(facingTowards({ ...scenario, users: [{ id: 'u', x: 10, y: 0 }] }, 5, 0)).toBe(0);
    expect(facingTowards({ ...scenario, users: [{ id: 'u', x: 5, y: -10 }] }, 5, 0)).toBe(225);
    expect(facingTowards({ ...scenario, users: [] }, 5, 0)).toBe(0);
  });
});

describe('IRSs that serve no one, and keyboard moves', () => {
  it('lists the IRSs on no user route', () => {
    expect(idleSurfaces(['r1', 'r2', 'r3'], [['bs', 'r1', 'u1'], ['bs', 'u2'], ['bs', 'r1', 'r3', 'u3']])).toEqual(['r2']);
    expect(idleSurfaces(['r1'], [])).toEqual(['r1']);
  });
  it('arrow keys move by a step (Shift: 5×), brackets turn; other keys do nothing', () => {
    expect(keyMove('ArrowUp', false, 2)).toEqual({ dx: 0, dy: 2, turnDeg: 0 });
    expect(keyMove('ArrowLeft', true, 2)).toEqual({ dx: -10, dy: 0, turnDeg: 0 });
    expect(keyMove('[', false, 2)?.turnDeg).toBe(15);
    expect(keyMove('}', true, 2)?.turnDeg).toBe(-45);
    expect(keyMove('a', false, 2)).toBeUndefined();
  });
});
