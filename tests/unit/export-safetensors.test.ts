import { describe, expect, it } from 'vitest';
import { exportSafetensors } from '../../src/lib/export/safetensorsExport.ts';
import { padToDense, pruneChannels } from '../../src/lib/export/widthChanges.ts';
import type { ExportableModel, NamedFile } from '../../src/lib/export/exportableModel.ts';
import { CpuOptRuntime } from '../../src/lib/opt/cpu/cpuRuntime.ts';
import { nodeTf } from '../../src/lib/opt/cpu/nodeTf.ts';
import { parseOptConfig, type OptConfig } from '../../src/lib/opt/config.ts';
import { sequenceLogits } from '../../src/lib/opt/forward.ts';
import { referenceLogits } from '../../src/lib/opt/reference.ts';
import { floatToHalf, halfToFloat, parseSafetensors } from '../../src/lib/opt/safetensors.ts';
import { loadOptWeights, type OptWeights } from '../../src/lib/opt/weights.ts';
import { closeness, randomIds, variant } from '../helpers/optModels.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { embeddedModel, prunedEmbedded } from './exportModels.ts';

/** Reads an exported folder back the way the app loads a model: config.json, then the safetensors. */
async function reload(files: NamedFile[]): Promise<{ config: OptConfig; weights: OptWeights; configJson: Record<string, unknown> }> {
  const byName = new Map(files.map((file) => [file.name, file.bytes]));
  const configJson = JSON.parse(new TextDecoder().decode(byName.get('config.json')!)) as Record<string, unknown>;
  const config = parseOptConfig(configJson);
  return { config, weights: await loadOptWeights(config, [parseSafetensors(byName.get('model.safetensors')!)]), configJson };
}

async function cpuLogits(config: OptConfig, weights: OptWeights, ids: Int32Array): Promise<Float32Array> {
  const runtime = new CpuOptRuntime(await nodeTf(), config, structuredClone(weights));
  try {
    return await sequenceLogits(runtime, ids);
  } finally {
    runtime.dispose();
  }
}

describe('safetensors export', () => {
  it('round-trips the pruned embedded model: same widths, bit-identical logits on the CPU runtime', async () => {
    const model = prunedEmbedded(await embeddedModel());
    expect(model.config.vHeadDims[0][1]).toBe(0);
    expect(new Set(model.config.vHeadDims[1]).size).toBeGreaterThan(1);
    const files = exportSafetensors(model);
    const back = await reload(files);
    expect(back.config).toEqual(model.config);
    expect(back.configJson).toMatchObject({ model_type: 'opt', torch_dtype: 'float32', ffn_dims: model.config.ffnDims, v_head_dims: model.config.vHeadDims, v_dims: model.config.vDims });
    const ids = randomIds(new Rng(1), 24, model.config.vocabSize);
    expect(await cpuLogits(back.config, back.weights, ids)).toEqual(await cpuLogits(model.config, model.weights, ids));
  });

  it('writes a dense model without width fields and copies the tokenizer files through unchanged', async () => {
    const model = await embeddedModel();
    const files = exportSafetensors(model);
    const names = files.map((file) => file.name);
    expect(names.slice(0, 2)).toEqual(['model.safetensors', 'config.json']);
    for (const companion of model.companionFiles) expect(files.find((file) => file.name === companion.name)?.bytes).toEqual(companion.bytes);
    expect(names).toEqual(expect.arrayContaining(['tokenizer.json', 'vocab.json', 'merges.txt']));
    const { configJson, weights } = await reload(files);
    expect(configJson).not.toHaveProperty('ffn_dims');
    expect(weights.layers[3].fc2.weight).toEqual(model.weights.layers[3].fc2.weight);
    const header = parseSafetensors(files[0].bytes);
    expect(header.metadata).toMatchObject({ format: 'pt', source: 'the embedded mini-OPT' });
    expect(header.tensors.has('lm_head.weight')).toBe(false);
    expect(header.tensors.get('model.decoder.layers.0.self_attn.v_proj.weight')?.shape).toEqual([192, 192]);
  });

  it('stores F16 on request: half the bytes, every weight rounded to the nearest half', async () => {
    const { config, weights } = variant('pruned widths, one head with no value channels');
    const model: ExportableModel = { config, weights, companionFiles: [], label: 'test' };
    const files = exportSafetensors(model, { dtype: 'f16' });
    const back = await reload(files);
    expect(back.configJson.torch_dtype).toBe('float16');
    for (const entry of parseSafetensors(files[0].bytes).tensors.values()) {
      expect(entry.dtype).toBe('F16');
      expect(entry.end - entry.begin).toBe(2 * entry.shape.reduce((a, b) => a * b, 1));
    }
    const original = weights.layers[0].fc1.weight;
    expect(back.weights.layers[0].fc1.weight).toEqual(original.map((v) => halfToFloat(floatToHalf(v))));
  });

  it('refuses an unknown dtype and weights that disagree with the config, naming what is wrong', async () => {
    const { config, weights } = variant('pre-LN (125m-like)');
    const model: ExportableModel = { config, weights, companionFiles: [], label: 'test' };
    expect(() => exportSafetensors(model, { dtype: 'int8' })).toThrow(expect.objectContaining({ name: 'InputError', message: expect.stringMatching(/Unknown export dtype "int8"/) }));
    const wrongWidth = { ...model, config: { ...config, ffnDims: [39, 40] } };
    expect(() => exportSafetensors(wrongWidth)).toThrow(expect.objectContaining({ name: 'InputError', message: expect.stringMatching(/layers\.0\.fc1\.weight has 960 values.*\[39, 24\] = 936/) }));
  });

  it('pads a pruned model back to dense shapes without changing its function', async () => {
    const { config, weights } = variant('pruned widths, one head with no value channels');
    const padded = padToDense({ config, weights });
    expect(padded.config.vDims).toEqual([24, 24, 24]);
    expect(padded.config.ffnDims).toEqual([40, 40, 40]);
    const ids = randomIds(new Rng(2), 11, config.vocabSize);
    expect(closeness(referenceLogits(padded.config, padded.weights, ids), referenceLogits(config, weights, ids))).toBeLessThan(1e-6);
    // Keeping every channel of the padded model's original places gives back the pruned model exactly.
    const back = pruneChannels(padded, {
      ffn: config.ffnDims.map((f) => Int32Array.from({ length: f }, (_, j) => j)),
      value: config.vHeadDims.map((heads) => Int32Array.from(heads.flatMap((w, h) => Array.from({ length: w }, (_, c) => h * config.headDim + c)))),
    });
    expect(back.config).toEqual(config);
    expect(back.weights.layers[0].outProj.weight).toEqual(weights.layers[0].outProj.weight);
  });
});
