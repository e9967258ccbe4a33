import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/export.ts';
import { exportSafetensors } from '../../src/lib/export/safetensorsExport.ts';
import { embeddedModel, prunedEmbedded } from './exportModels.ts';

/** `npm run cli -- export`: a pruned folder in, an ONNX file out, checked in ONNX Runtime; bad flags are InputErrors. */
const dir = mkdtempSync(path.join(tmpdir(), 'paperlab-export-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the export command', () => {
  it('exports a pruned safetensors folder as ONNX whose ORT logits match the CPU runtime', async () => {
    const prunedDir = path.join(dir, 'pruned');
    const pruned = prunedEmbedded(await embeddedModel());
    mkdirSync(prunedDir);
    for (const file of exportSafetensors(pruned)) writeFileSync(path.join(prunedDir, file.name), file.bytes);

    const out = path.join(dir, 'pruned.onnx');
    const result = (await run(['--model', prunedDir, '--format', 'onnx', '--out', out])) as { bytes: number; ffnDims: number[]; ortParity: { maxError: number; passed: boolean } };
    expect(result.bytes).toBe(readFileSync(out).byteLength);
    expect(result.ffnDims).toEqual(pruned.config.ffnDims);
    expect(result.ortParity.passed).toBe(true);
    expect(result.ortParity.maxError).toBeLessThanOrEqual(1e-4);
  });

  it('refuses an unknown format and F16 ONNX with InputErrors', async () => {
    await expect(run(['--model', 'embedded', '--format', 'gguf', '--out', dir])).rejects.toMatchObject({ name: 'InputError', message: expect.stringMatching(/--format/) });
    await expect(run(['--model', 'embedded', '--format', 'onnx', '--dtype', 'f16', '--out', dir])).rejects.toMatchObject({ name: 'InputError', message: expect.stringMatching(/float32/) });
  });
});
