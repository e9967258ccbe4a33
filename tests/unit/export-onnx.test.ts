import { describe, expect, it } from 'vitest';
import type { ExportableModel } from '../../src/lib/export/exportableModel.ts';
import { groupHeadsByValueWidth, valueChannelsInGroupOrder } from '../../src/lib/export/headGroups.ts';
import { nodeOrt } from '../../src/lib/export/nodeOrt.ts';
import { onnxParity, parityIds, runtimeLogits } from '../../src/lib/export/onnxChecks.ts';
import { buildOnnxModel, estimateOnnxBytes, ONNX_OPSET, type HeadLayout } from '../../src/lib/export/onnxExport.ts';
import { onnx } from '../../src/lib/export/onnxProto.ts';
import { createOnnxSession, onnxLogits } from '../../src/lib/export/onnxRuntime.ts';
import { CpuOptRuntime } from '../../src/lib/opt/cpu/cpuRuntime.ts';
import { nodeTf } from '../../src/lib/opt/cpu/nodeTf.ts';
import { parseOptConfig } from '../../src/lib/opt/config.ts';
import { referenceLogits } from '../../src/lib/opt/reference.ts';
import { goldenError, loadGolden } from '../helpers/optFixtures.ts';
import { VARIANTS, variant } from '../helpers/optModels.ts';
import { embeddedModel, prunedEmbedded } from './exportModels.ts';

/**
 * The ONNX export run by onnxruntime-web (its Node build, the same wasm kernels as in the browser)
 * against our runtime: ≤ 1e-4 × (1 + |logit|) on the golden fixture, on every architecture variant, and
 * on pruned versions of the embedded model.
 */
const ort = nodeOrt();

async function cpuRuntimeLogits(model: ExportableModel, ids: Int32Array, shape: { batch: number; seqLen: number }): Promise<Float32Array> {
  const runtime = new CpuOptRuntime(await nodeTf(), model.config, structuredClone(model.weights));
  try {
    return await runtimeLogits(runtime, ids, shape);
  } finally {
    runtime.dispose();
  }
}

async function parityWithCpuRuntime(model: ExportableModel, shape: { batch: number; seqLen: number }, headLayout: HeadLayout) {
  const session = await createOnnxSession(ort, buildOnnxModel(model, { headLayout }).bytes);
  try {
    const ids = parityIds(model.config, shape, 5);
    return await onnxParity(ort, session, { ids, ...shape }, { logits: await cpuRuntimeLogits(model, ids, shape), reference: 'CPU runtime' });
  } finally {
    await session.release();
  }
}

describe('ONNX export in onnxruntime-web', () => {
  it('matches the golden fixture (dense) at lengths 1, 7 and 40', async () => {
    const { config, weights, cases } = await loadGolden();
    const session = await createOnnxSession(ort, buildOnnxModel({ config, weights, companionFiles: [], label: 'golden' }).bytes);
    for (const c of cases) {
      const ids = Int32Array.from(c.input_ids);
      const logits = await onnxLogits(ort, session, ids, { batch: 1, seqLen: ids.length });
      const error = goldenError(logits, c.logits.flat());
      console.info(`[parity] golden fixture, T = ${ids.length}: max error ${error.toExponential(2)}`);
      expect(error).toBeLessThanOrEqual(1e-4);
    }
    await session.release();
  });

  it.each(Object.keys(VARIANTS))('matches the reference forward on the %s variant (batch 3)', async (name) => {
    const { config, weights } = variant(name);
    const session = await createOnnxSession(ort, buildOnnxModel({ config, weights, companionFiles: [], label: name }).bytes);
    const seqLen = 9;
    const ids = parityIds(config, { batch: 3, seqLen }, 2);
    const want = new Float32Array(ids.length * config.vocabSize);
    for (let b = 0; b < 3; b++) want.set(referenceLogits(config, weights, ids.subarray(b * seqLen, (b + 1) * seqLen)), b * seqLen * config.vocabSize);
    const report = await onnxParity(ort, session, { ids, batch: 3, seqLen }, { logits: want, reference: 'float64 reference' });
    expect(report.maxError).toBeLessThanOrEqual(1e-4);
    await session.release();
  });

  it('matches the CPU runtime on the embedded model, dense and pruned (uneven heads, an empty head, a 5-channel FFN)', async () => {
    const dense = await embeddedModel();
    const pruned = prunedEmbedded(dense);
    expect(pruned.config.vHeadDims[0][1]).toBe(0);
    expect(pruned.config.ffnDims[2]).toBe(5);
    for (const [label, model, headLayout] of [['dense', dense, 'padded'], ['pruned, padded heads', pruned, 'padded'], ['pruned, grouped heads', pruned, 'grouped']] as const) {
      const report = await parityWithCpuRuntime(model, { batch: 2, seqLen: 48 }, headLayout);
      console.info(`[parity] embedded mini-OPT ${label}: max error ${report.maxError.toExponential(2)} (max |Δ| ${report.maxAbsError.toExponential(2)}, max |logit| ${report.maxAbsLogit.toFixed(1)})`);
      expect(report.passed).toBe(true);
    }
  });

  it('writes an opset-17 graph whose q/k rows cover only heads that kept value channels', async () => {
    const { config, weights } = variant('pruned widths, one head with no value channels');
    const exported = buildOnnxModel({ config, weights, companionFiles: [], label: 'test' }, { headLayout: 'grouped' });
    const proto = onnx.ModelProto.decode(exported.bytes);
    const graph = proto.graph!;
    expect(Number(proto.opsetImport[0].version)).toBe(ONNX_OPSET);
    expect(graph.input![0].name).toBe('input_ids');
    const shapes = new Map(graph.initializer!.map((t) => [t.name, (t.dims ?? []).map(Number)]));
    // Layer 0 keeps heads 0, 2, 3 (widths 6, 3, 5): q and k rows for 3 heads of 6, then 14 value rows.
    expect(shapes.get('model.decoder.layers.0.self_attn.qkv_proj.weight')).toEqual([3 * 6 + 3 * 6 + 14, 24]);
    // Layer 1 kept no value channels at all, and its FFN none either: no attention or FFN weights.
    expect(shapes.has('model.decoder.layers.1.self_attn.qkv_proj.weight')).toBe(false);
    expect(shapes.has('model.decoder.layers.1.fc1.weight')).toBe(false);
    expect(shapes.get('model.decoder.layers.2.self_attn.out_proj.weight')).toEqual([24, 24]);
    expect(exported.headGroups[2]).toEqual([{ valueWidth: 6, heads: [0, 1, 2, 3] }]);
    expect(exported.initializerBytes).toBeLessThanOrEqual(estimateOnnxBytes(config));

    // Padded: layer 0's three live heads padded to width 6, one group, same q/k rows.
    const padded = buildOnnxModel({ config, weights, companionFiles: [], label: 'test' }, { headLayout: 'padded' });
    const paddedShapes = new Map(onnx.ModelProto.decode(padded.bytes).graph!.initializer!.map((t) => [t.name, (t.dims ?? []).map(Number)]));
    expect(paddedShapes.get('model.decoder.layers.0.self_attn.qkv_proj.weight')).toEqual([3 * 6 + 3 * 6 + 3 * 6, 24]);
    expect(padded.headGroups[0]).toEqual([{ valueWidth: 6, heads: [0, 2, 3] }]);
    expect(padded.nodes).toBeLessThan(exported.nodes);
  });

  it('groups heads by value width and orders value channels group by group', () => {
    const widths = [4, 0, 2, 4, 2];
    const groups = groupHeadsByValueWidth(widths);
    expect(groups).toEqual([
      { valueWidth: 4, heads: [0, 3] },
      { valueWidth: 2, heads: [2, 4] },
    ]);
    // Head offsets: 0, 4, 4, 6, 10, 12.
    expect([...valueChannelsInGroupOrder(widths, groups)]).toEqual([0, 1, 2, 3, 6, 7, 8, 9, 4, 5, 10, 11]);
    expect(groupHeadsByValueWidth([0, 0])).toEqual([]);
  });

  it('refuses a model above the 2 GiB protobuf limit with a clear InputError', () => {
    const opt1b = parseOptConfig({ hidden_size: 2048, num_attention_heads: 32, num_hidden_layers: 24, ffn_dim: 8192, vocab_size: 50272 });
    expect(estimateOnnxBytes(opt1b)).toBeGreaterThan(2 ** 31);
    const tooBig: ExportableModel = { config: opt1b, weights: variant('pre-LN (125m-like)').weights, companionFiles: [], label: 'opt-1.3b' };
    expect(() => buildOnnxModel(tooBig)).toThrow(expect.objectContaining({ name: 'InputError', message: expect.stringMatching(/too large for a single ONNX file: about 4\.9\d GiB/) }));
    const small = variant('pre-LN (125m-like)');
    expect(() => buildOnnxModel({ ...small, companionFiles: [], label: 'small' }, { maxModelBytes: 1024 })).toThrow(/too large/);
  });
});
