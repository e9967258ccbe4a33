import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readCompanionFiles } from '../../lib/export/exportableModel.ts';
import { nodeOrt } from '../../lib/export/nodeOrt.ts';
import { onnxPerplexity } from '../../lib/export/onnxPerplexity.ts';
import { createOnnxSession } from '../../lib/export/onnxRuntime.ts';
import { buildSlicedOnnxModel } from '../../lib/export/slicedOnnxExport.ts';
import { configToJson } from '../../lib/opt/config.ts';
import { expectedTensors, loadOptWeights } from '../../lib/opt/weights.ts';
import type { ProgressCallback } from '../../lib/progress.ts';
import type { PruneCalibration } from '../../lib/pruning/calibration.ts';
import { optParameterCounts } from '../../lib/pruning/parameterCounts.ts';
import { sliceGpt, slicedParameterCounts } from '../../lib/pruning/slicegpt/index.ts';
import { modelFilesFor, type CliModelWithTokenizer } from './optModel.ts';
import { wikitextTestIds } from './pruneNode.ts';

/**
 * SliceGPT from the command line and the FASP study: slices the loaded model's weights (CPU, float64
 * PCA), exports the result to ONNX, and measures WikiText-2 test perplexity by running that export in
 * ONNX Runtime (our OPT runtime has no rotated, sliced residual stream). The runtime's own model is
 * not changed.
 */
export interface SliceGptRun {
  method: 'slicegpt';
  sparsity: number;
  slicedDim: number;
  hiddenSize: number;
  retainedVariance: number[];
  params: {
    before: { total: number; decoderLayers: number };
    after: { total: number; decoderLayers: number; shortcuts: number; embeddings: number; untiedHead: number };
    /** 1 − after/before: the whole model (the untied head counts against SliceGPT), and the decoder layers alone. */
    reduction: { total: number; decoderLayers: number };
  };
  calibrationTokens: number;
  onnxBytes: Uint8Array;
  seconds: { slice: number; export: number };
}

export async function sliceCliModel(model: CliModelWithTokenizer, calibration: PruneCalibration, sparsity: number, source: string, progress?: ProgressCallback): Promise<SliceGptRun> {
  // The source as loaded (the runtime may hold a pruned model: the study prunes it in place between runs).
  const config = model.config;
  const weights = await loadOptWeights(config, model.weights);
  let started = performance.now();
  const result = await sliceGpt(config, weights, calibration.windows, { sparsity }, progress);
  const sliceSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const exported = buildSlicedOnnxModel(result.model, source);
  const exportSeconds = (performance.now() - started) / 1000;
  const dense = optParameterCounts(config);
  const denseLayers = expectedTensors(config)
    .filter(({ name }) => name.startsWith('layers.'))
    .reduce((sum, { shape }) => sum + shape.reduce((a, b) => a * b, 1), 0);
  const counts = slicedParameterCounts(result.model);
  return {
    method: 'slicegpt',
    sparsity,
    slicedDim: result.model.slicedDim,
    hiddenSize: config.hiddenSize,
    retainedVariance: result.retainedVariance,
    params: {
      before: { total: dense.total, decoderLayers: denseLayers },
      after: { total: counts.total, decoderLayers: counts.blocks, shortcuts: counts.shortcuts, embeddings: counts.embeddings, untiedHead: counts.head },
      reduction: { total: 1 - counts.total / dense.total, decoderLayers: 1 - counts.blocks / denseLayers },
    },
    calibrationTokens: result.calibrationTokens,
    onnxBytes: exported.bytes,
    seconds: { slice: sliceSeconds, export: exportSeconds },
  };
}

/** WikiText-2 test perplexity of a sliced model's ONNX export, windows of the model's positions. */
export async function slicedTestPerplexity(model: CliModelWithTokenizer, onnxBytes: Uint8Array, options: { seqLen?: number; maxWindows?: number }) {
  const ort = nodeOrt();
  const session = await createOnnxSession(ort, onnxBytes);
  try {
    const config = model.config;
    return await onnxPerplexity(ort, session, wikitextTestIds(model.tokenizer), { seqLen: options.seqLen || config.maxPositions, vocabSize: config.vocabSize, maxWindows: options.maxWindows || undefined });
  } finally {
    await session.release();
  }
}

/** model.onnx, config.json (the source's, with what SliceGPT did) and the tokenizer files. */
export async function writeSlicedModel(model: CliModelWithTokenizer, spec: string, out: string, run: SliceGptRun, extra: Record<string, unknown>): Promise<string[]> {
  const dir = path.resolve(out);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'model.onnx'), run.onnxBytes);
  const slicing = { method: 'slicegpt', sparsity: run.sparsity, sliced_dim: run.slicedDim, format: 'onnx only: the residual stream is rotated and sliced, which HF OPT checkpoints cannot hold', ...extra };
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(configToJson(model.config, { pruning: slicing }), null, 2));
  const companions = await readCompanionFiles(modelFilesFor(spec));
  for (const file of companions) writeFileSync(path.join(dir, file.name), file.bytes);
  return ['model.onnx', 'config.json', ...companions.map((file) => file.name)];
}
