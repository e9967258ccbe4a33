import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/errors.ts';
import { importGeojson, MAX_GEOJSON_DEPTH } from '../../src/lib/irs/geojson.ts';
import { LIMITS, parseScenario } from '../../src/lib/irs/scenario.ts';
import { ISSUE_EXAMPLE } from './irsFixtures.ts';
import { envelope } from '../../src/lib/synergy/envelope.ts';
import { nmfFits, settingsFromParams, type SynergySettings } from '../../src/lib/synergy/pageSettings.ts';
import { parseCsv } from '../../src/lib/synergy/parseCsv.ts';
import { parseExp } from '../../src/lib/synergy/parseExp.ts';
import { selectMuscles } from '../../src/lib/synergy/recording.ts';

/** The bad inputs of issue 13 (items 9, 10, 13), each with what must happen now. */
function refusal(read: () => unknown): InputError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('EMG files', () => {
  it('refuses a hex cell, "1e", an empty cell and Infinity, naming file, row and column', () => {
    expect(refusal(() => parseCsv('time,AD,MD\n0,0x0785217,2\n0.01,3,4\n', 'h.csv')).message).toBe('h.csv, row 2, column AD: "0x0785217" is not a finite decimal number');
    expect(refusal(() => parseCsv('time,AD,MD\n0,1,2\n0.01,3,1e\n', 'h.csv')).message).toMatch(/^h\.csv, row 3, column MD: "1e"/);
    expect(refusal(() => parseCsv('time,AD,MD\n0,1,2\n0.01,,4\n', 'h.csv')).message).toBe('h.csv, row 3, column AD: the cell is empty');
    expect(refusal(() => parseCsv('time,AD\n0,Infinity\n0.01,1\n', 'h.csv')).message).toMatch(/row 2, column AD: "Infinity"/);
    expect(refusal(() => parseExp('1000\t// Measurement rate\nFrame #\tAD\n0\t0x1F\n1\t2\n', 'x.exp')).message).toMatch(/^x\.exp, row 3, column AD: "0x1F"/);
  });

  it('reads quoted cells that hold the separator or a quote (RFC 4180)', () => {
    const r = parseCsv('time;"AD; anterior";"MD ""mid"""\n0;1;"2.5"\n0.01;3;4\n', 'q.csv');
    expect(r.muscles).toEqual(['AD; anterior', 'MD "mid"']);
    expect(Array.from(r.data)).toEqual([1, 3, 2.5, 4]);
    expect(refusal(() => parseCsv('time,AD\n0,"1\n0.01,2\n', 'q.csv')).message).toMatch(/^q\.csv, row 2: quoted field unterminated/);
  });

  it('refuses two columns with one muscle name', () => {
    expect(refusal(() => parseCsv('time,AD,ad\n0,1,2\n0.01,3,4\n', 'd.csv')).message).toBe('d.csv: columns 2 and 3 of the header are both called "ad"');
  });

  it('names the file of a recording too short for an envelope', () => {
    const twoRows = parseCsv('time,AD,MD\n0,1,2\n0.001,3,4\n', 'two.csv');
    expect(refusal(() => envelope(twoRows)).message).toMatch(/^two\.csv: 2 samples at 1000 Hz give 1 envelope sample/);
    expect(refusal(() => parseCsv('time,AD\n0,1\n', 'one.csv')).message).toBe('one.csv: 1 data row, at least 2 are needed');
  });

  it('picks muscles among 10⁵ columns by name, in the order asked, and lists few names in errors', () => {
    const muscles = Array.from({ length: 100_000 }, (_, i) => `M${i}`);
    const data = new Float32Array(muscles.length * 2).map((_, i) => i);
    const recording = { name: 'wide.csv', sampleRateHz: 100, muscles, samples: 2, data };
    const wanted = muscles.toReversed();
    const picked = selectMuscles(recording, wanted);
    expect(picked.muscles[0]).toBe('M99999');
    expect(Array.from(picked.data.subarray(0, 2))).toEqual([199_998, 199_999]);
    const error = refusal(() => selectMuscles(recording, ['nope']));
    expect(error.detail!.length).toBeLessThan(200);
  });
});

describe('GeoJSON maps', () => {
  const square = (lon: number, lat: number) => ({ type: 'Polygon', coordinates: [[[lon, lat], [lon + 0.0001, lat], [lon + 0.0001, lat + 0.0001], [lon, lat]]] });

  it('refuses GeometryCollections nested 20 000 deep with an InputError, not a stack overflow', () => {
    const text = '{"type":"GeometryCollection","geometries":['.repeat(20_000) + JSON.stringify(square(0, 0)) + ']}'.repeat(20_000);
    expect(refusal(() => importGeojson(text, { name: 'deep.geojson' })).message).toMatch(new RegExp(`^deep\\.geojson: .* nests more than ${MAX_GEOJSON_DEPTH} levels deep`));
  });

  it('keeps buildings either side of ±180° together', () => {
    const map = importGeojson(JSON.stringify({ type: 'GeometryCollection', geometries: [square(179.9998, -17), square(-179.9999, -17)] }), { name: 'fiji.geojson' });
    expect(Math.abs(map.origin.lon)).toBeGreaterThan(179.9);
    // 179.9998° … 180.0002°: 0.0004° of longitude at 17° S ≈ 42.6 m
    expect(map.bounds.x1 - map.bounds.x0).toBeCloseTo(42.6, 0);
  });

  it('refuses a world-covering polygon and a map wider than the extent limit', () => {
    const world = { type: 'Polygon', coordinates: [[[-180, -85], [180, -85], [180, 85], [-180, 85], [-180, -85]]] };
    expect(refusal(() => importGeojson(JSON.stringify(world), { name: 'world.geojson' })).message).toBe('world.geojson: (root) spans 360.0° of longitude');
    const apart = { type: 'GeometryCollection', geometries: [square(0, 0), square(1, 0)] };
    expect(refusal(() => importGeojson(JSON.stringify(apart), { name: 'far.geojson' })).message).toMatch(/^far\.geojson: the buildings span 111 km × 0\.0 km, over the 50 km limit \(maxExtentM\)/);
    expect(importGeojson(JSON.stringify(apart), { name: 'far.geojson', maxExtentM: 200_000 }).buildings).toHaveLength(2);
  });
});

describe('scenarios and link settings', () => {
  it('refuses positions beyond the coordinate limit, naming the field', () => {
    const far = ISSUE_EXAMPLE.replace('"x": 30, "y": 0', `"x": ${LIMITS.coordinateM * 10}, "y": 0`);
    expect(refusal(() => parseScenario(far, 's.json')).message).toMatch(/^s\.json: users\[0\]\.x must be a number ≥ -1000000 and ≤ 1000000/);
  });

  it('a link cannot ask for 2000 participants, and a dearer link job is priced in NMF fits', () => {
    const defaults: SynergySettings = { tab: 'study', seed: 7, participants: 8, gain: 0.7, kmax: 5, restarts: 8, threshold: 0.9, lowpass: 6, duration: 0.5, map: 'idw', trial: 'abd01.exp', normalise: 'peak' };
    const { settings, problems, fromLink } = settingsFromParams(new URLSearchParams('participants=2000&restarts=50&trial=../../etc'), defaults);
    expect(settings.participants).toBe(8);
    expect(settings.restarts).toBe(50);
    expect(settings.trial).toBe('abd01.exp');
    expect(problems).toHaveLength(2);
    expect(fromLink).toBe(true);
    expect(nmfFits(defaults)).toBe(8 * 2 * 5 * 8);
    expect(nmfFits(settings)).toBe(8 * 2 * 5 * 50);
  });
});
