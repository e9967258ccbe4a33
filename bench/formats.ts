import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { constants, deflateRawSync } from 'node:zlib';
import { importGeojson } from '../src/lib/irs/geojson.ts';
import { decodeScenario } from '../src/lib/irs/scenarioLink.ts';
import { envelope } from '../src/lib/synergy/envelope.ts';
import { parseCsv } from '../src/lib/synergy/parseCsv.ts';
import { selectMuscles } from '../src/lib/synergy/recording.ts';

/**
 * `npm run bench:formats`: the hostile inputs of issue 13's format findings, each run in a fresh Node
 * process so that its peak memory (max RSS) is its own. Prints what happens now, the time and the peak;
 * JSON goes to bench/results/formats.json.
 */
const CASES: Record<string, () => Promise<string>> = {
  'EMG hex cell 0x0785217': () => outcome(() => parseCsv('time,AD,MD\n0,0x0785217,2\n0.01,3,4\n0.02,5,6\n', 'h.csv')),
  'EMG quoted separator': () => outcome(() => `muscles ${JSON.stringify(parseCsv('time,"AD, anterior",MD\n0,1,2\n0.01,3,4\n', 'q.csv').muscles)}`),
  'EMG pick 10⁶ muscles by name': async () => {
    const muscles = Array.from({ length: 1_000_000 }, (_, i) => `m${i}`);
    return outcome(() => `${selectMuscles({ name: 'wide.csv', sampleRateHz: 100, muscles, samples: 2, data: new Float32Array(2_000_000) }, muscles).muscles.length} picked`);
  },
  'EMG two-row raw file': () => outcome(() => envelope(parseCsv('time,AD,MD\n0,1,2\n0.001,3,4\n', 'two.csv'))),
  'GeoJSON 20k nested collections': async () => {
    const text = '{"type":"GeometryCollection","geometries":['.repeat(20_000) + '{"type":"Polygon","coordinates":[[[0,0],[0.001,0],[0.001,0.001],[0,0]]]}' + ']}'.repeat(20_000);
    return outcome(() => importGeojson(text, { name: 'deep.geojson' }));
  },
  'GeoJSON buildings either side of ±180°': async () => {
    const square = (lon: number) => ({ type: 'Polygon', coordinates: [[[lon, -17], [lon + 0.0001, -17], [lon + 0.0001, -16.9999], [lon, -17]]] });
    return outcome(() => {
      const map = importGeojson(JSON.stringify({ type: 'GeometryCollection', geometries: [square(179.9998), square(-179.9999)] }), { name: 'fiji.geojson' });
      return `extent ${(map.bounds.x1 - map.bounds.x0).toFixed(1)} m × ${(map.bounds.y1 - map.bounds.y0).toFixed(1)} m`;
    });
  },
  'GeoJSON world-covering polygon': () => outcome(() => importGeojson(JSON.stringify({ type: 'Polygon', coordinates: [[[-180, -85], [180, -85], [180, 85], [-180, 85], [-180, -85]]] }), { name: 'world.geojson' })),
  'link of 544 k chars (deflate bomb)': () => linkCase(420e6),
  'link of 110 k chars (bomb under the length cap)': () => linkCase(85e6),
};

async function outcome(run: () => unknown): Promise<string> {
  try {
    const result = await run();
    return `accepted${typeof result === 'string' ? `: ${result}` : ''}`;
  } catch (error) {
    const e = error as Error & { detail?: string };
    return `${e.name}: ${e.message.slice(0, 90)}${e.detail ? ` (${e.detail.slice(0, 80)})` : ''}`;
  }
}

async function runCase(name: string): Promise<void> {
  const started = performance.now();
  const text = await CASES[name]();
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ name, outcome: text, seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
}

/** A link whose JSON would inflate to `bytes` of spaces. */
async function linkCase(bytes: number): Promise<string> {
  // Deflate 1 MiB of spaces and repeat the stored stream: a raw deflate of n × 1 MiB of spaces, with
  // no n × 1 MiB buffer in this process (Z_FULL_FLUSH makes each piece independent of the one before).
  const piece = deflateRawSync(Buffer.alloc(2 ** 20, 0x20), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const last = deflateRawSync(Buffer.alloc(0), { level: 9 });
  const packed = Buffer.concat([...Array.from({ length: Math.round(bytes / 2 ** 20) }, () => piece), last]).toString('base64url');
  const started = performance.now();
  const text = await outcome(() => decodeScenario(packed));
  return `${packed.length} chars, ${((performance.now() - started) / 1000).toFixed(3)} s to decode: ${text}`;
}

const [, , only] = process.argv;
if (only) {
  await runCase(only);
} else {
  const rows = Object.keys(CASES).map((name) => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, name], { encoding: 'utf8', maxBuffer: 1 << 20 });
    return JSON.parse(out) as { name: string; outcome: string; seconds: number; peakRssMb: number };
  });
  console.log(`formats bench — ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}`);
  console.log('| input | now | time (s) | peak RSS (MB) |\n| --- | --- | ---: | ---: |');
  for (const row of rows) console.log(`| ${row.name} | ${row.outcome} | ${row.seconds.toFixed(3)} | ${row.peakRssMb.toFixed(0)} |`);
  const out = path.join(import.meta.dirname, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'formats.json'), `${JSON.stringify({ node: process.version, rows }, null, 2)}\n`);
}
