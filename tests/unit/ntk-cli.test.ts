import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/ntk.ts';
import { InputError } from '../../src/lib/errors.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ntk-cli-'));

describe('npm run cli -- ntk', () => {
  it('prints the issue’s JSON shape, curves holding the checkpoints, rates when several n are given', async () => {
    const result = JSON.parse(JSON.stringify(await run(['--n', '20,40', '--d', '3', '--m', '16', '--steps', '30', '--checkpoints', '1,7,30', '--n-test', '30', '--quiet'])));
    expect(Object.keys(result)).toEqual(['kernel', 'network', 'rates']);
    expect(result.kernel).toMatchObject({ stoppingTime: expect.any(Number), oracleStoppingTime: expect.any(Number) });
    expect(Object.keys(result.kernel.curve[0])).toEqual(['step', 'trainLoss', 'testRisk']);
    for (const curve of [result.kernel.curve, result.network[0].curve]) {
      const steps = curve.map((p: { step: number }) => p.step);
      for (const s of [1, 7, 30]) expect(steps).toContain(s);
    }
    expect(result.network[0]).toMatchObject({ m: 16, distanceToKernel: expect.any(Number) });
    expect(result.rates.ns).toEqual([20, 40]);
  });
  it('runs on a user data file', async () => {
    const file = path.join(dir, 'data.json');
    const x = [[1, 0], [0, 1], [-1, 0], [0.6, 0.8]];
    writeFileSync(file, JSON.stringify({ x, y: [1, 0, -1, 0.6], xTest: [[0.8, 0.6]], yTest: [0.8] }));
    const result = await run(['--data', file, '--m', '8', '--steps', '5', '--quiet']);
    expect(result.kernel.curve.at(-1)?.step).toBe(5);
    expect(result.rates).toBeUndefined();
  });
  it('gives input errors for bad flags and files', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ x: [[1, 0]], y: [1, 2], xTest: [[1, 0]], yTest: [1] }));
    await expect(run(['--data', bad])).rejects.toThrow(/"y" has 2 entries but "x" has 1 rows/);
    await expect(run(['--data', path.join(dir, 'missing.json')])).rejects.toBeInstanceOf(InputError);
    await expect(run(['--target', 'wiggly'])).rejects.toThrow(/--target must be one of/);
    await expect(run(['--m', '15'])).rejects.toThrow(/even integer/);
    await expect(run(['--sigma', '0'])).rejects.toBeInstanceOf(InputError);
  });
});
