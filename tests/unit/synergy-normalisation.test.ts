import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as runNmfCommand } from '../../src/cli/commands/nmf.ts';
import { InputError } from '../../src/lib/errors.ts';
import { DEFAULT_NMF } from '../../src/lib/synergy/nmf.ts';
import { nmfCpu } from '../../src/lib/synergy/nmfCpu.ts';
import { mvcDivisors, parseMvcValues } from '../../src/lib/synergy/normalisation.ts';
import { analyseRecording, type RecordingSettings } from '../../src/lib/synergy/recordingAnalysis.ts';
import type { EmgRecording } from '../../src/lib/synergy/recording.ts';

/**
 * A rank-1 envelope E = w₀·hᵀ of three muscles with w₀ = (2, 1, 0.5). NMF with k = 1 fits it exactly,
 * and its unit-norm W is the direction of the rows' scales after normalisation:
 *   none → w₀ / ‖w₀‖;   peak → every row peaks at 1, so W = (1, 1, 1)/√3;   mvc → (w₀ / mvc) / ‖·‖.
 */
const W0 = [2, 1, 0.5];
const SAMPLES = 200;
const rankOne: EmgRecording = {
  name: 'rank-one.csv',
  sampleRateHz: 100,
  muscles: ['AD', 'MD', 'PD'],
  samples: SAMPLES,
  data: Float32Array.from({ length: 3 * SAMPLES }, (_, index) => {
    const j = index % SAMPLES;
    return W0[Math.floor(index / SAMPLES)] * (1.2 + Math.sin((2 * Math.PI * j) / 50));
  }),
};
const SETTINGS: RecordingSettings = { raw: false, lowPassHz: 6, nmf: { ...DEFAULT_NMF, kMax: 1, restarts: 2 }, vafThreshold: 0.9, fixedK: 1 };

const unit = (values: number[]) => {
  const norm = Math.hypot(...values);
  return values.map((v) => v / norm);
};

async function synergy(settings: Partial<RecordingSettings>) {
  const analysis = await analyseRecording(rankOne, { ...SETTINGS, ...settings }, nmfCpu);
  return { analysis, w: Array.from(analysis.run.best[0].w) };
}

describe('normalisation before NMF', () => {
  it('peak (the default) divides each muscle by its own peak and says so', async () => {
    const { analysis, w } = await synergy({});
    expect(analysis.normalisation.method).toBe('peak');
    const peak = Math.max(...rankOne.data.subarray(0, SAMPLES)) / W0[0]; // max of 1.2 + sin over the samples
    analysis.normalisation.divisors.forEach((d, i) => expect(d).toBeCloseTo(W0[i] * peak, 4));
    unit([1, 1, 1]).forEach((v, i) => expect(w[i]).toBeCloseTo(v, 3));
  });

  it('none factorises the envelope as given: W follows the muscles’ own scales', async () => {
    const { analysis, w } = await synergy({ normalise: 'none' });
    expect(analysis.normalisation).toEqual({ method: 'none', source: 'none', divisors: [1, 1, 1] });
    expect(Array.from(analysis.envelope)).toEqual(Array.from(rankOne.data));
    unit(W0).forEach((v, i) => expect(w[i]).toBeCloseTo(v, 3));
  });

  it('mvc divides by the MVC values from a file, matched by name in any case', async () => {
    const values = parseMvcValues('muscle,mvc\npd,1\nAD,8\nMD,2\n', 'mvc.csv');
    const { analysis, w } = await synergy({ normalise: 'mvc', mvcValues: { values, fileName: 'mvc.csv' } });
    expect(analysis.normalisation).toEqual({ method: 'mvc', source: 'MVC values mvc.csv', divisors: [8, 2, 1] });
    expect(analysis.envelope[0]).toBeCloseTo(rankOne.data[0] / 8, 6);
    unit([2 / 8, 1 / 2, 0.5 / 1]).forEach((v, i) => expect(w[i]).toBeCloseTo(v, 3));
  });

  it('refuses MVC normalisation without values, or with a muscle missing', async () => {
    await expect(analyseRecording(rankOne, { ...SETTINGS, normalise: 'mvc' }, nmfCpu)).rejects.toThrow(/needs MVC values/);
    const values = { values: { AD: 1, MD: 1 }, fileName: 'mvc.json' };
    await expect(analyseRecording(rankOne, { ...SETTINGS, normalise: 'mvc', mvcValues: values }, nmfCpu)).rejects.toThrow(/mvc\.json: no MVC value for PD/);
    expect(() => mvcDivisors(['AD'], {}, 'x.json')).toThrow(InputError);
  });

  it('notes when the data exceed their MVC values by half', async () => {
    const { analysis } = await synergy({ normalise: 'mvc', mvcValues: { values: { AD: 1, MD: 100, PD: 100 }, fileName: 'mvc.json' } });
    expect(analysis.notes.join(' ')).toMatch(/AD exceeds 150 % of the MVC value/);
  });
});

describe('MVC value files', () => {
  it('read JSON objects and CSV (with or without a header, , ; or tab)', () => {
    expect(parseMvcValues('{"AD": 0.41, "MD": 0.37}', 'a.json')).toEqual({ AD: 0.41, MD: 0.37 });
    expect(parseMvcValues('AD;0.41\r\nMD;0.37\r\n', 'b.csv')).toEqual({ AD: 0.41, MD: 0.37 });
    expect(parseMvcValues('muscle\tmvc\nAD\t1e-3\n', 'c.tsv')).toEqual({ AD: 0.001 });
  });

  it('name the file and what is wrong', () => {
    expect(() => parseMvcValues('', 'e.csv')).toThrow(/e\.csv: the MVC file is empty/);
    expect(() => parseMvcValues('{"AD": 0.4,', 'f.json')).toThrow(/f\.json: not valid JSON/);
    expect(() => parseMvcValues('[1, 2]', 'g.json')).toThrow(/expected a JSON object/);
    expect(() => parseMvcValues('{"AD": -1}', 'h.json')).toThrow(/MVC value of AD .* must be a number > 0, got -1/);
    expect(() => parseMvcValues('{"AD": "big"}', 'h.json')).toThrow(/got "big"/);
    expect(() => parseMvcValues('AD,1\nAD,2', 'i.csv')).toThrow(/AD is given twice/);
    expect(() => parseMvcValues('AD,1,2', 'j.csv')).toThrow(/line 1 has 3 columns/);
    expect(() => parseMvcValues('muscle,mvc\nMD,abc', 'k.csv')).toThrow(/MVC value of MD \(line 2\)/);
    expect(() => parseMvcValues('muscle,mvc\n', 'l.csv')).toThrow(/no MVC values found/);
  });
});

describe('cli nmf --normalise', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'nmf-normalise-'));
  const csv = path.join(folder, 'envelope.csv');
  writeFileSync(csv, ['time,AD,MD,PD', ...Array.from({ length: SAMPLES }, (_, j) => [j / 100, ...[0, 1, 2].map((i) => rankOne.data[i * SAMPLES + j])].join(','))].join('\n'));
  const mvc = path.join(folder, 'mvc.json');
  writeFileSync(mvc, '{"AD": 8, "MD": 2, "PD": 1}');
  const base = ['--input', csv, '--k', '1', '--kmax', '1', '--restarts', '2'];

  it('prints which normalisation ran and the divisor of each muscle', async () => {
    const peak = (await runNmfCommand(base)) as { normalisation: { method: string; divisors: Record<string, number> } };
    expect(peak.normalisation.method).toBe('peak');
    expect(peak.normalisation.divisors.AD).toBeCloseTo(Math.max(...rankOne.data.subarray(0, SAMPLES)), 5);
    const none = (await runNmfCommand([...base, '--normalise', 'none'])) as { W: number[][]; normalisation: unknown };
    expect(none.normalisation).toEqual({ method: 'none', source: 'none', divisors: { AD: 1, MD: 1, PD: 1 } });
    expect(none.W.map((row) => row[0])).toEqual(unit(W0).map((v) => expect.closeTo(v, 3)));
    const byMvc = (await runNmfCommand([...base, '--normalise', 'mvc', '--mvc', mvc])) as { normalisation: unknown };
    expect(byMvc.normalisation).toEqual({ method: 'mvc', source: 'MVC values mvc.json', divisors: { AD: 8, MD: 2, PD: 1 } });
  });

  it('refuses an unknown method, mvc without a file, and a file without mvc', async () => {
    await expect(runNmfCommand([...base, '--normalise', 'max'])).rejects.toThrow(/--normalise must be peak, none or mvc/);
    await expect(runNmfCommand([...base, '--normalise', 'mvc'])).rejects.toThrow(/needs --mvc FILE/);
    await expect(runNmfCommand([...base, '--mvc', mvc])).rejects.toThrow(/only used with --normalise mvc/);
  });
});
