import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dump } from 'npyjs';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/brain.ts';
import { SIMULATOR_DEFAULTS, simulateSubjects } from '../../src/lib/brain/simulator.ts';
import { InputError } from '../../src/lib/errors.ts';
import { Rng } from '../../src/lib/util/random.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'brain-cli-'));
const n = 60;
const d = 6;
const features = new Rng(2).fillNormal(new Float32Array(n * d));
const simulated = simulateSubjects(features, n, d, { ...SIMULATOR_DEFAULTS, sheet: { width: 6, height: 6 }, noise: 0.2, clusters: 1, similarity: 1, subjects: 4, seed: 0 });
const featuresFile = path.join(dir, 'features.npy');
writeFileSync(featuresFile, new Uint8Array(dump(features, [n, d])));
const responseFiles = simulated.subjects.map((s, i) => {
  const file = path.join(dir, `S${i + 1}.npy`);
  writeFileSync(file, new Uint8Array(dump(s.responses, [n, 36])));
  return file;
});

describe('npm run cli -- brain', () => {
  it('runs on imported .npy files and prints the issue’s JSON shape', async () => {
    const result = await run(['--features', featuresFile, '--responses', responseFiles.join(','), '--sheet', '6x6', '--subjects', '1,2', '--test-subjects', '2', '--arch', 'mlp', '--test-stimuli', '20', '--steps', '20', '--batch', '16', '--fine-tune-subjects', '0', '--quiet']);
    const json = JSON.parse(JSON.stringify(result));
    expect(Object.keys(json)).toEqual(['curve', 'similarity', 'fineTune', 'nWay', 'seconds']);
    expect(json.curve).toHaveLength(2);
    expect(json.curve[0]).toMatchObject({ arch: 'mlp', subjects: 1, chance: 0.05, top1: expect.any(Number), top5: expect.any(Number) });
    expect(json.similarity.mlp).toMatchObject({ trainSubjects: 2, n: 2 });
  });
  it('gives input errors for bad flags and files', async () => {
    await expect(run(['--arch', 'rnn'])).rejects.toThrow(/--arch must be one of mlp, cnn, transformer/);
    await expect(run(['--similarity', '1.5', '--quiet'])).rejects.toThrow(/similarity ρ must be in \[0, 1\]/);
    await expect(run(['--features', featuresFile])).rejects.toThrow(/both --features and --responses/);
    await expect(run(['--features', path.join(dir, 'missing.npy'), '--responses', responseFiles.join(',')])).rejects.toBeInstanceOf(InputError);
    await expect(run(['--features', featuresFile, '--responses', responseFiles.join(','), '--sheet', '5x5'])).rejects.toThrow(/sheet 5 × 5 does not hold the 36 voxels/);
    await expect(run(['--features', featuresFile, '--responses', responseFiles.join(','), '--subjects', '4'])).rejects.toThrow(/the data has 4/);
  });
});
