import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/irs.ts';
import { InputError } from '../../src/lib/errors.ts';
import { ISSUE_EXAMPLE } from './irsFixtures.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'irs-cli-'));
const scenarioFile = path.join(dir, 'example.json');
writeFileSync(scenarioFile, ISSUE_EXAMPLE);

describe('npm run cli -- irs', () => {
  it('prints exactly the issue’s JSON shape', async () => {
    const line = JSON.stringify(await run(['--scenario', scenarioFile, '--grid', '32']));
    const parsed = JSON.parse(line);
    expect(Object.keys(parsed)).toEqual(['users', 'coverage']);
    expect(Object.keys(parsed.users[0])).toEqual(['id', 'snrDb', 'route']);
    expect(Object.keys(parsed.coverage)).toEqual(['rateThresholdBps', 'coverageRate', 'areaAverageSnrDb']);
    expect(parsed.users[0].route).toEqual(['bs', 'r1', 'u1']);
  });
  it('honours --route', async () => {
    const direct = await run(['--scenario', scenarioFile, '--grid', '16', '--route', 'direct']);
    expect(direct.users[0].route).toEqual(['bs', 'u1']);
  });
  it('rejects bad flags and files with input errors', async () => {
    await expect(run([])).rejects.toThrow(/--scenario FILE\.json is required/);
    await expect(run(['--scenario', scenarioFile, '--route', 'scenic'])).rejects.toThrow(/--route must be one of best, single, direct/);
    await expect(run(['--scenario', scenarioFile, '--grid', '0'])).rejects.toThrow(/--grid must be an integer/);
    await expect(run(['--scenario', path.join(dir, 'missing.json')])).rejects.toBeInstanceOf(InputError);
  });
});
