import { deflateSync } from 'fflate';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCalibrationFile } from '../../src/lib/calibration/file.ts';
import { isInputError } from '../../src/lib/errors.ts';
import { DEFAULT_MAX_EXTENT_M, importGeojson } from '../../src/lib/irs/geojson.ts';
import { LIMITS, parseScenario, validateScenario } from '../../src/lib/irs/scenario.ts';
import { decodeScenario, encodeScenario, inflateBounded, MAX_HASH_CHARS } from '../../src/lib/irs/scenarioLink.ts';
import { DEFAULT_ENVELOPE, envelope } from '../../src/lib/synergy/envelope.ts';
import { settingsFromParams, SYNERGY_RANGES, type SynergySettings } from '../../src/lib/synergy/pageSettings.ts';
import { parseCsv } from '../../src/lib/synergy/parseCsv.ts';
import { parseExp } from '../../src/lib/synergy/parseExp.ts';
import type { EmgRecording } from '../../src/lib/synergy/recording.ts';
import { ISSUE_EXAMPLE } from './irsFixtures.ts';

/**
 * Property tests of every user-file and link format this part of the app reads: whatever the input,
 * it is either accepted with finite results or refused with an InputError that names the file (or
 * the link) — never another exception. Inputs are small (≤ a few kB) and runs few, so each property
 * takes well under a few seconds; no hang shows as the test timeout.
 */
const RUNS = { numRuns: 150, seed: 20261202 };

/** Runs `read`; an InputError must name `source`; a result must pass `finite`. Returns whether it was accepted. */
function acceptedOrRefused<T>(read: () => T, source: RegExp, finite: (result: T) => boolean): boolean {
  let result: T;
  try {
    result = read();
  } catch (error) {
    if (!isInputError(error)) throw error;
    expect(error.message).toMatch(source);
    return false;
  }
  expect(finite(result)).toBe(true);
  return true;
}

/** Every number anywhere in a JSON-like value is finite. */
function allFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (ArrayBuffer.isView(value)) return Array.from(value as Float32Array).every(Number.isFinite);
  if (Array.isArray(value)) return value.every(allFinite);
  if (typeof value === 'object' && value !== null) return Object.values(value).every(allFinite);
  return true;
}

/** A text with random edits: characters inserted, deleted or replaced from `alphabet`. */
function mutated(text: string, alphabet: string[]): fc.Arbitrary<string> {
  const edit = fc.record({ at: fc.nat(), remove: fc.nat({ max: 3 }), insert: fc.array(fc.constantFrom(...alphabet), { maxLength: 4 }) });
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => {
    let out = text;
    for (const { at, remove, insert } of edits) {
      const i = at % (out.length + 1);
      out = out.slice(0, i) + insert.join('') + out.slice(i + remove);
    }
    return out;
  });
}

const recordingIsFinite = (r: EmgRecording) => r.samples >= 2 && r.muscles.length >= 1 && Number.isFinite(r.sampleRateHz) && r.sampleRateHz > 0 && allFinite(r.data);

describe('EMG files', () => {
  const cell = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map(String),
    fc.constantFrom('', '0x0785217', '1e', 'NaN', 'Infinity', '-', '.', '1e999', ' 3 ', '"1,5"', '"2"', '1_0', '0b1', '+.5', '1.', '"', 'a"b'),
  );
  const csvText = fc
    .record({
      names: fc.array(fc.constantFrom('AD', 'MD', 'PD', '"PM, clav"', 'UT', 'ad', '', '"x""y"', '1'), { minLength: 0, maxLength: 5 }),
      rows: fc.array(fc.array(cell, { maxLength: 6 }), { maxLength: 6 }),
      separator: fc.constantFrom(',', ';', '\t'),
      newline: fc.constantFrom('\n', '\r\n'),
    })
    .map(({ names, rows, separator, newline }) => [['time', ...names], ...rows].map((row) => row.join(separator)).join(newline));

  it('a CSV is parsed with finite values, or refused naming the file', () => {
    fc.assert(fc.property(csvText, (text) => void acceptedOrRefused(() => parseCsv(text, 'fuzz.csv'), /^fuzz\.csv/, recordingIsFinite)), RUNS);
  });

  it('a mutated valid CSV: finite values or an InputError naming the file; envelopes too', () => {
    const valid = 'time,AD,MD,PD\n0,1,2,3\n0.001,4,5,6\n0.002,7,8,9\n0.003,1,2,3\n';
    fc.assert(
      fc.property(mutated(valid, [',', ';', '\t', '"', '\n', '0', '1', '.', 'e', '-', 'x', ' ', 'A']), (text) => {
        acceptedOrRefused(() => parseCsv(text, 'fuzz.csv'), /^fuzz\.csv/, recordingIsFinite);
        let recording: EmgRecording;
        try {
          recording = parseCsv(text, 'fuzz.csv');
        } catch {
          return;
        }
        // Raw EMG at whatever rate the time column gives: an envelope or an InputError, never a RangeError.
        acceptedOrRefused(() => envelope(recording, { ...DEFAULT_ENVELOPE, raw: true }), /./, (env) => allFinite(env.data) && env.samples >= 2);
      }),
      RUNS,
    );
  });

  it('a mutated .exp export: finite values or an InputError naming the file', () => {
    const valid = '1000.000\t// Measurement rate\n\nFrame #\tAD\tMD\t\n0\t1.5\t-2\t\n1\t2.5\t-3\t\n2\t0.5\t-1\t\n';
    fc.assert(
      fc.property(mutated(valid, ['\t', '\n', '"', '0', '1', '.', 'e', '-', 'x', '#', '/', ' ']), (text) => void acceptedOrRefused(() => parseExp(text, 'fuzz.exp'), /^fuzz\.exp/, recordingIsFinite)),
      RUNS,
    );
  });
});

describe('GeoJSON maps', () => {
  const position = fc.oneof(
    fc.tuple(fc.double({ min: -123.26, max: -123.24, noNaN: true }), fc.double({ min: 49.25, max: 49.27, noNaN: true })),
    fc.tuple(fc.double({ min: 179.999, max: 180, noNaN: true }), fc.double({ min: -17, max: -16.99, noNaN: true })),
    fc.tuple(fc.double({ min: -180, max: -179.999, noNaN: true }), fc.double({ min: -17, max: -16.99, noNaN: true })),
    fc.tuple(fc.double(), fc.double()),
    fc.constant(['x', 1]),
  );
  const ring = fc.array(position, { maxLength: 6 });
  const { geometry } = fc.letrec((tie) => ({
    geometry: fc.oneof(
      { depthSize: 'small' },
      fc.record({ type: fc.constant('Polygon'), coordinates: fc.array(ring, { maxLength: 2 }) }),
      fc.record({ type: fc.constant('MultiPolygon'), coordinates: fc.array(fc.array(ring, { maxLength: 2 }), { maxLength: 2 }) }),
      fc.record({ type: fc.constantFrom('Point', 'LineString', 'Banana'), coordinates: fc.constant([0, 0]) }),
      fc.record({ type: fc.constant('GeometryCollection'), geometries: fc.array(tie('geometry'), { maxLength: 3 }) }),
      fc.record({ type: fc.constant('Feature'), geometry: fc.oneof(tie('geometry'), fc.constant(null)) }),
      fc.record({ type: fc.constant('FeatureCollection'), features: fc.array(tie('geometry'), { maxLength: 3 }) }),
    ),
  }));
  const deep = fc.nat({ max: 5000 }).map((depth) => '{"type":"GeometryCollection","geometries":['.repeat(depth) + '{"type":"Polygon","coordinates":[[[0,0],[0.001,0],[0.001,0.001],[0,0]]]}' + ']}'.repeat(depth));

  it('buildings in local metres within the extent limit, or an InputError naming the file', () => {
    const text = fc.oneof(geometry.map((g) => JSON.stringify(g)), deep, fc.jsonValue().map((v) => JSON.stringify(v)));
    fc.assert(
      fc.property(text, (json) => {
        acceptedOrRefused(() => importGeojson(json, { name: 'fuzz.geojson' }), /^fuzz\.geojson/, (map) => {
          const { x0, y0, x1, y1 } = map.bounds;
          return allFinite(map.buildings) && x1 - x0 <= DEFAULT_MAX_EXTENT_M && y1 - y0 <= DEFAULT_MAX_EXTENT_M;
        });
      }),
      RUNS,
    );
  });
});

describe('IRS scenarios and their links', () => {
  const example = JSON.parse(ISSUE_EXAMPLE) as Record<string, unknown>;
  /** The example with one field (at any depth) replaced by a random JSON value. */
  const patched = fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 2 })).map(([pick, value]) => {
    const copy = structuredClone(example);
    const slots: [Record<string, unknown> | unknown[], string | number][] = [];
    const walk = (node: unknown) => {
      if (typeof node !== 'object' || node === null) return;
      for (const [key, child] of Object.entries(node)) {
        slots.push([node as Record<string, unknown>, Array.isArray(node) ? Number(key) : key]);
        walk(child);
      }
    };
    walk(copy);
    const [parent, key] = slots[pick % slots.length];
    (parent as Record<string | number, unknown>)[key] = value;
    return copy;
  });
  const scenarioIsFinite = (s: unknown) => allFinite(s);

  it('a scenario with any field changed is valid and finite, or refused naming the source and field', () => {
    fc.assert(
      fc.property(patched, (value) => {
        const accepted = acceptedOrRefused(() => validateScenario(value, 'fuzz.json'), /^fuzz\.json/, scenarioIsFinite);
        if (accepted) {
          const s = validateScenario(value, 'fuzz.json');
          const positions = [...s.transmitters, ...s.irs, ...s.users];
          expect(positions.every((p) => Math.abs(p.x) <= LIMITS.coordinateM && Math.abs(p.y) <= LIMITS.coordinateM)).toBe(true);
        }
      }),
      RUNS,
    );
    fc.assert(fc.property(mutated(ISSUE_EXAMPLE, ['{', '}', '[', ']', '"', ',', ':', '0', '9', '-', 'e', 'n']), (text) => void acceptedOrRefused(() => parseScenario(text, 'fuzz.json'), /^fuzz\.json/, scenarioIsFinite)), RUNS);
  });

  it('a link decodes to a scenario object or is refused as the link’s, whatever its characters', async () => {
    const valid = encodeScenario(parseScenario(ISSUE_EXAMPLE), false)!;
    const base64url = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')), maxLength: 400 });
    const deflated = fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(deflateSync(new TextEncoder().encode(JSON.stringify(v)))).toString('base64url'));
    const link = fc.oneof(base64url, deflated, mutated(valid, ['A', '-', '_', '0', '=', '+', '/', '%', ' ']), fc.string({ maxLength: 200 }));
    await fc.assert(
      fc.asyncProperty(link, async (packed) => {
        let decoded: Record<string, unknown>;
        try {
          decoded = await decodeScenario(packed);
        } catch (error) {
          if (!isInputError(error)) throw error;
          expect(error.message).toMatch(/link/);
          return;
        }
        expect(typeof decoded).toBe('object');
        acceptedOrRefused(() => validateScenario(decoded, 'the link'), /^the link/, scenarioIsFinite);
      }),
      RUNS,
    );
  });

  it('a link is refused before decoding when too long, and a deflate bomb stops at the byte budget', async () => {
    await expect(decodeScenario('A'.repeat(MAX_HASH_CHARS + 1))).rejects.toThrow(/could not be read/);
    // 8 MB of spaces deflate to ~8 kB; inflating stops once 1 MiB has come out.
    const bomb = deflateSync(new Uint8Array(8 * 2 ** 20).fill(0x20), { level: 1 });
    await expect(inflateBounded(bomb, 2 ** 20)).rejects.toMatchObject({ name: 'InputError', detail: expect.stringMatching(/inflates to more than 1 MiB/) });
    await expect(decodeScenario(Buffer.from(bomb).toString('base64url'))).rejects.toThrow(/could not be read/);
  });
});

describe('synergy link settings', () => {
  const defaults: SynergySettings = { tab: 'study', seed: 7, participants: 8, gain: 0.7, kmax: 5, restarts: 8, threshold: 0.9, lowpass: 6, duration: 0.5, map: 'idw', trial: 'abd01.exp', normalise: 'peak' };
  it('every setting from a link lies in the form’s range; out-of-range ones are reported and left at defaults', () => {
    const value = fc.oneof(fc.string({ maxLength: 8 }), fc.double().map(String), fc.integer({ min: -10, max: 5000 }).map(String), fc.constantFrom('emg', 'rbf', 'flx21.exp', '2000', '1e9', 'NaN', ''));
    const params = fc.dictionary(fc.constantFrom(...Object.keys(defaults), 'other'), value);
    fc.assert(
      fc.property(params, (entries) => {
        const { settings, problems } = settingsFromParams(new URLSearchParams(entries), defaults);
        for (const [key, range] of Object.entries(SYNERGY_RANGES)) {
          const v = settings[key as keyof typeof SYNERGY_RANGES];
          expect(v >= range.min && v <= range.max && (!range.integer || Number.isInteger(v))).toBe(true);
          if (key in entries && v !== Number(entries[key])) expect(problems.some((p) => p.startsWith(`${key}=`))).toBe(true);
        }
      }),
      RUNS,
    );
    expect(settingsFromParams(new URLSearchParams('participants=2000'), defaults)).toMatchObject({ settings: { participants: 8 }, problems: [expect.stringMatching(/^participants="2000": expected an integer from 3 to 30/)] });
  });
});

describe('calibration files', () => {
  it('windows of in-range token ids, or an InputError naming the file', () => {
    const valid = JSON.stringify({ windows: [[1, 2, 3], [4, 5, 6]], source: 'x' });
    const text = fc.oneof(
      mutated(valid, ['[', ']', ',', '"', '-', '1', '9', '.', 'e', '{', '}']),
      fc.jsonValue({ maxDepth: 3 }).map((windows) => JSON.stringify({ windows })),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(text, (json) => {
        acceptedOrRefused(() => parseCalibrationFile(json, { fileName: 'calib.json', vocabSize: 10, maxPositions: 4 }), /^calib\.json/, (windows) =>
          windows.length > 0 && windows.every((w) => w.length >= 2 && w.length <= 4 && w.length === windows[0].length && w.every((id) => id >= 0 && id < 10)),
        );
      }),
      RUNS,
    );
  });
});
