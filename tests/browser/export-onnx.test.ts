import { describe, expect, it } from 'vitest';
import type { ExportableModel } from '../../src/lib/export/exportableModel.ts';
import { onnxParity, parityIds, runtimeLogits, type ParityReport } from '../../src/lib/export/onnxChecks.ts';
import { buildOnnxModel } from '../../src/lib/export/onnxExport.ts';
import { createOnnxSession } from '../../src/lib/export/onnxRuntime.ts';
import { parseOptConfig } from '../../src/lib/opt/config.ts';
import { CpuOptRuntime } from '../../src/lib/opt/cpu/cpuRuntime.ts';
import type { Tf } from '../../src/lib/opt/cpu/tfLinear.ts';
import { parseSafetensors } from '../../src/lib/opt/safetensors.ts';
import { loadOptWeights } from '../../src/lib/opt/weights.ts';
import { webOrt } from '../../src/workers/ortWeb.ts';
import { tf, useTfBackend } from '../../src/workers/tfBackend.ts';
import { prunedEmbedded } from '../helpers/exportPruning.ts';

/**
 * The exported ONNX model in onnxruntime-web's wasm backend in Chromium (its .wasm served by Vite from
 * the package, no network), against the app's CPU runtime (tfjs-wasm) in the same page: the embedded
 * mini-OPT dense and pruned (uneven heads, an empty head), ≤ 1e-4 × (1 + |logit|). The test page is not
 * cross-origin isolated, so this is also the single-threaded path a plain static host gets.
 */
async function embeddedModel(): Promise<ExportableModel> {
  const folder = '/datasets/models/mini-opt/';
  const config = parseOptConfig(await (await fetch(`${folder}config.json`)).json());
  const file = parseSafetensors(await (await fetch(`${folder}model.safetensors`)).arrayBuffer());
  return { config, weights: await loadOptWeights(config, [file]), companionFiles: [], label: 'the embedded mini-OPT' };
}

async function parity(model: ExportableModel): Promise<ParityReport> {
  const ort = webOrt();
  const shape = { batch: 2, seqLen: 24 };
  const ids = parityIds(model.config, shape, 7);
  await useTfBackend('wasm');
  const runtime = new CpuOptRuntime(tf as unknown as Tf, model.config, structuredClone(model.weights));
  let ours: Float32Array;
  try {
    ours = await runtimeLogits(runtime, ids, shape);
  } finally {
    runtime.dispose();
  }
  const session = await createOnnxSession(ort, buildOnnxModel(model).bytes);
  try {
    return await onnxParity(ort, session, { ids, ...shape }, { logits: ours, reference: 'CPU runtime (tfjs-wasm)' });
  } finally {
    await session.release();
  }
}

describe('the ONNX export in onnxruntime-web (browser, wasm backend)', () => {
  it('reproduces the CPU runtime logits of the embedded model, dense and pruned', async () => {
    console.info(`[export.onnx] crossOriginIsolated = ${String(globalThis.crossOriginIsolated)}`);
    const dense = await embeddedModel();
    const pruned = prunedEmbedded(dense);
    expect(pruned.config.vHeadDims[0][1]).toBe(0);
    for (const [label, model] of [['dense', dense], ['pruned', pruned]] as const) {
      const report = await parity(model);
      console.info(`[export.onnx] ${label}: max error ${report.maxError.toExponential(2)}, max |Δ| ${report.maxAbsError.toExponential(2)}`);
      expect(report.maxAbsLogit).toBeGreaterThan(1);
      expect(report.passed).toBe(true);
    }
    // The runtime binary came from this origin (Vite's copy of the package's file), not from a CDN.
    const wasmLoads = performance.getEntriesByType('resource').map((entry) => entry.name).filter((name) => /ort-wasm.*\.wasm/.test(name));
    expect(wasmLoads.length).toBeGreaterThan(0);
    for (const url of wasmLoads) expect(new URL(url).origin).toBe(location.origin);
  });
});
