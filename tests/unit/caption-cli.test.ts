import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as metrics } from '../../src/cli/commands/captionMetrics.ts';
import { run as caption } from '../../src/cli/commands/caption.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'caption-cli-'));
const write = (name: string, value: unknown) => {
  const file = path.join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
};

describe('npm run cli -- caption-metrics / caption', () => {
  it('scores R.json against C.json and prints the six metrics', async () => {
    const refs = write('R.json', { a: ['the cat sat on the mat', 'a cat is on the mat'], b: ['a dog runs'] });
    const cands = write('C.json', { a: 'the cat is on the mat', b: 'a dog runs' });
    const result = await metrics(['--refs', refs, '--cands', cands]);
    expect(Object.keys(result)).toEqual(['bleu1', 'bleu2', 'bleu3', 'bleu4', 'rougeL', 'cider']);
    expect(result.bleu1).toBeCloseTo(1, 9);
    expect(result.rougeL).toBeCloseTo((5 / 6 + 1) / 2, 9);
  });

  it('names the bad file and field', async () => {
    const refs = write('R2.json', { a: 'not a list' });
    const cands = write('C2.json', { a: 'x' });
    await expect(metrics(['--refs', refs, '--cands', cands])).rejects.toThrow(/R2.json: clip "a" must map to a non-empty list/);
    await expect(metrics(['--refs', path.join(dir, 'missing.json'), '--cands', cands])).rejects.toThrow(/cannot read --refs/);
    await expect(caption(['--setting', 'some'])).rejects.toThrow(/setting must be one of full, few, few\+pseudo/);
  });

  it('runs a tiny job on imported JSON features and MSR-VTT captions', async () => {
    const ids = ['v0', 'v1', 'v2', 'v3', 'v4', 'v5'];
    const captions = write('captions.json', {
      videos: ids.map((id, i) => ({ video_id: id, split: i < 4 ? 'train' : 'test' })),
      sentences: ids.flatMap((id, i) => [{ video_id: id, caption: i % 2 ? 'A dog runs in a park.' : 'A cat sleeps on a sofa.' }, { video_id: id, caption: i % 2 ? 'a dog is running' : 'a cat is sleeping' }]),
    });
    const features = write('features.json', Object.fromEntries(ids.map((id, i) => [id, [[i % 2, 1 - (i % 2), 0.5], [i % 2, 0, 1]]])));
    const result = await caption(['--setting', 'few+pseudo', '--captions', captions, '--features', features, '--encoder-steps', '2', '--classifier-steps', '2', '--captioner-steps', '2', '--quiet']);
    expect(result).toMatchObject({ setting: 'few+pseudo', seed: 0, stats: { trainClips: 4, testClips: 2 } });
    expect(result.bleu4).toBeGreaterThanOrEqual(0);
  }, 60_000);
});
