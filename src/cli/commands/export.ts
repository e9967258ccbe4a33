import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../lib/errors.ts';
import { readCompanionFiles, type ExportableModel } from '../../lib/export/exportableModel.ts';
import { nodeOrt } from '../../lib/export/nodeOrt.ts';
import { onnxParity, parityIds, runtimeLogits, type ParityReport } from '../../lib/export/onnxChecks.ts';
import { buildOnnxModel } from '../../lib/export/onnxExport.ts';
import { createOnnxSession, maxRelativeError } from '../../lib/export/onnxRuntime.ts';
import { exportSafetensors, parseExportDtype } from '../../lib/export/safetensorsExport.ts';
import { CpuOptRuntime } from '../../lib/opt/cpu/cpuRuntime.ts';
import { nodeTf } from '../../lib/opt/cpu/nodeTf.ts';
import { loadModelFiles } from '../../lib/opt/sources/loadModel.ts';
import { loadOptWeights } from '../../lib/opt/weights.ts';
import { parseFlags } from '../args.ts';
import { modelFilesFor } from './optModel.ts';

/**
 * `export --model DIR|embedded|HUB_ID --format onnx|safetensors [--dtype f16] --out PATH [--check false]`
 *
 * onnx: writes one .onnx file (PATH, or PATH/model.onnx when PATH is a folder), reads it back, runs it
 * in onnxruntime-web (its Node build, the browser's wasm kernels) and compares its logits with the CPU
 * runtime's on the source model. safetensors: writes the folder PATH (model.safetensors, config.json,
 * tokenizer files), reloads it, and reports both the reload error against the source (0 for F32) and
 * ONNX Runtime's parity with the CPU runtime on the reloaded weights. Prints one JSON line.
 */
const PARITY_SHAPE = { batch: 2, seqLen: 32 };

/** Reads a model for export; `--model` as in the other OPT commands. */
export async function loadExportable(spec: string | undefined): Promise<ExportableModel> {
  if (!spec) throw new InputError('--model is required', 'embedded, a folder, or a hub id such as facebook/opt-125m[@revision]');
  const files = modelFilesFor(spec);
  const loaded = await loadModelFiles(files, undefined, { requireTokenizer: false });
  const weights = await loadOptWeights(loaded.config, loaded.weights);
  return { config: loaded.config, weights, companionFiles: await readCompanionFiles(files), label: files.label };
}

async function cpuLogits(model: ExportableModel, ids: Int32Array): Promise<Float32Array> {
  // The runtime moves the weights into tfjs, so it gets a copy.
  const runtime = new CpuOptRuntime(await nodeTf(), model.config, structuredClone(model.weights));
  try {
    return await runtimeLogits(runtime, ids, PARITY_SHAPE);
  } finally {
    runtime.dispose();
  }
}

async function ortParity(model: ExportableModel, onnxBytes: Uint8Array, ids: Int32Array, ours: Float32Array): Promise<ParityReport> {
  const ort = nodeOrt();
  const session = await createOnnxSession(ort, onnxBytes);
  try {
    return await onnxParity(ort, session, { ids, ...PARITY_SHAPE }, { logits: ours, reference: 'CPU runtime (tfjs-wasm)' });
  } finally {
    await session.release();
  }
}

function round(report: ParityReport) {
  return { maxError: Number(report.maxError.toExponential(3)), maxAbsError: Number(report.maxAbsError.toExponential(3)), passed: report.passed, tokens: `${report.batch}x${report.seqLen}`, reference: report.reference };
}

function onnxPath(out: string): string {
  return existsSync(out) && statSync(out).isDirectory() ? path.join(out, 'model.onnx') : out;
}

export async function run(argv: string[]) {
  const flags = parseFlags(argv, { model: undefined, format: undefined, dtype: 'F32', out: undefined, check: true });
  if (flags.format !== 'onnx' && flags.format !== 'safetensors') throw new InputError(`--format must be onnx or safetensors, got ${JSON.stringify(flags.format)}`);
  if (!flags.out) throw new InputError('--out is required', flags.format === 'onnx' ? 'a .onnx file or a folder' : 'the folder to write');
  const dtype = parseExportDtype(flags.dtype);
  if (flags.format === 'onnx' && dtype !== 'F32') throw new InputError(`--dtype ${flags.dtype}: the ONNX export stores float32 weights`, 'use --format safetensors for F16/BF16');
  const model = await loadExportable(flags.model);
  const started = performance.now();
  const ids = parityIds(model.config, { ...PARITY_SHAPE, seqLen: Math.min(PARITY_SHAPE.seqLen, model.config.maxPositions) });
  const common = { format: flags.format, model: model.label, layers: model.config.numLayers, ffnDims: model.config.ffnDims, vDims: model.config.vDims };

  if (flags.format === 'onnx') {
    const built = buildOnnxModel(model);
    const file = onnxPath(flags.out);
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileSync(file, built.bytes);
    const seconds = (performance.now() - started) / 1000;
    const parity = flags.check ? round(await ortParity(model, new Uint8Array(readFileSync(file)), ids, await cpuLogits(model, ids))) : undefined;
    return { ...common, out: file, bytes: built.bytes.byteLength, nodes: built.nodes, seconds: Number(seconds.toFixed(3)), ortParity: parity };
  }

  const files = exportSafetensors(model, { dtype });
  mkdirSync(flags.out, { recursive: true });
  for (const file of files) writeFileSync(path.join(flags.out, file.name), file.bytes);
  const seconds = (performance.now() - started) / 1000;
  const sizes = Object.fromEntries(files.map((file) => [file.name, file.bytes.byteLength]));
  const result = { ...common, out: path.resolve(flags.out), dtype, bytes: files.reduce((sum, file) => sum + file.bytes.byteLength, 0), files: sizes, seconds: Number(seconds.toFixed(3)) };
  if (!flags.check) return result;
  const reloaded = await loadExportable(flags.out);
  const reloadedLogits = await cpuLogits(reloaded, ids);
  const reloadError = maxRelativeError(reloadedLogits, await cpuLogits(model, ids));
  const parity = await ortParity(reloaded, buildOnnxModel(reloaded).bytes, ids, reloadedLogits);
  return { ...result, reloadMaxError: Number(reloadError.toExponential(3)), ortParity: round(parity) };
}
