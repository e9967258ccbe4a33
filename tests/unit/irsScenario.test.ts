import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/errors.ts';
import { parseScenario, rateThresholdBps, serialiseScenario, validateScenario, type Scenario } from '../../src/lib/irs/scenario.ts';
import { ISSUE_EXAMPLE } from './irsFixtures.ts';

function withChange(change: (value: Record<string, unknown>) => void): string {
  const value = JSON.parse(ISSUE_EXAMPLE) as Record<string, unknown>;
  change(value);
  return JSON.stringify(value);
}

function errorOf(text: string): InputError {
  try {
    parseScenario(text, 'test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('scenario JSON', () => {
  it('reads the issue’s example', () => {
    const scenario = parseScenario(ISSUE_EXAMPLE);
    expect(scenario.irs.map((r) => r.type)).toEqual(['passive', 'active']);
    expect(scenario.pathLossExponent.nlos).toBeNull();
    expect(scenario.irs[1].ampNoiseDbm).toBe(-74);
    expect(rateThresholdBps(scenario)).toBe(1e6);
  });

  it('survives a save and load unchanged, extra fields included', () => {
    const scenario: Scenario = {
      ...parseScenario(ISSUE_EXAMPLE),
      userAreas: [{ id: 'plaza', x0: 0, y0: 5, x1: 10, y1: 15 }],
      rateThresholdBps: 2e6,
      candidates: [{ x: 3, y: 4 }, { x: 5, y: 6, facingDeg: 90 }],
      origin: { lon: -123.25, lat: 49.26 },
      mapName: 'test',
    };
    scenario.irs.push({ id: 'h', x: 1, y: 2, facingDeg: 0, elements: 400, type: 'hybrid', ampPowerDbm: 0, ampNoiseDbm: -70, activeElements: 100 });
    expect(parseScenario(serialiseScenario(scenario))).toEqual(scenario);
  });

  it('says where bad JSON is', () => {
    const error = errorOf('{ "carrierHz": 3.5e9, ');
    expect(error.message).toMatch(/^test\.json is not valid JSON/);
  });

  it('names the field and what was expected', () => {
    expect(errorOf(withChange((v) => ((v.irs as Record<string, unknown>[])[0].elements = -3))).message)
      .toBe('test.json: irs[0].elements must be an integer ≥ 1 and ≤ 1000000, got -3');
    expect(errorOf(withChange((v) => ((v.irs as Record<string, unknown>[])[0].type = 'magic'))).message)
      .toMatch(/irs\[0\]\.type must be one of passive, active, hybrid, got "magic"/);
    expect(errorOf(withChange((v) => delete (v.irs as Record<string, unknown>[])[1].ampPowerDbm)).message)
      .toMatch(/irs\[1\]\.ampPowerDbm \(needed by active IRSs\) must be a number/);
    expect(errorOf(withChange((v) => (v.area = { x0: 5, y0: 0, x1: 5, y1: 10 }))).message).toMatch(/area must have x1 > x0/);
    expect(errorOf(withChange((v) => (v.carrierHz = 'fast'))).message).toMatch(/carrierHz must be a number/);
    expect(errorOf(withChange((v) => (v.buildings = [[[0, 0], [1, 1]]]))).message).toMatch(/buildings\[0\] must be a ring of at least 3 points/);
  });

  it('rejects duplicate ids across object kinds', () => {
    expect(errorOf(withChange((v) => ((v.users as Record<string, unknown>[])[0].id = 'r1'))).message).toMatch(/users\[0\]\.id "r1" is used twice/);
  });

  it('needs a transmitter and caps the number of IRSs', () => {
    expect(errorOf(withChange((v) => (v.transmitters = []))).message).toMatch(/needs at least one base station/);
    const many = Array.from({ length: 17 }, (_, i) => ({ id: `r${i}`, x: 0, y: 0, facingDeg: 0, elements: 10, type: 'passive' }));
    expect(errorOf(withChange((v) => (v.irs = many))).message).toMatch(/irs has 17 entries, at most 16/);
  });

  it('hybrid IRSs need 1 … N − 1 active elements', () => {
    const hybrid = { id: 'h', x: 0, y: 0, facingDeg: 0, elements: 100, type: 'hybrid', ampPowerDbm: 0, ampNoiseDbm: -70, activeElements: 100 };
    expect(errorOf(withChange((v) => (v.irs = [hybrid]))).message).toMatch(/activeElements \(hybrid: 1 … elements − 1\) must be an integer ≥ 1 and ≤ 99, got 100/);
  });

  it('validates values that did not come from text too', () => {
    expect(() => validateScenario(null)).toThrow(/\(top level\) must be an object/);
  });
});
