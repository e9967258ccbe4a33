import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildCalibrationSet } from '../../lib/calibration/build.ts';
import { parseCalibrationWindows } from '../../lib/calibration/file.ts';
import { fileTextReader } from '../../lib/calibration/nodeTextReader.ts';
import type { CalibrationSource } from '../../lib/calibration/settings.ts';
import { InputError } from '../../lib/errors.ts';
import { exportableFromRuntime, readCompanionFiles } from '../../lib/export/exportableModel.ts';
import { exportSafetensors } from '../../lib/export/safetensorsExport.ts';
import { joinDatasetRows } from '../../lib/opt/data/wikitext.ts';
import { nodeTf } from '../../lib/opt/cpu/nodeTf.ts';
import { perplexity, type PerplexityResult } from '../../lib/opt/perplexity.ts';
import type { OptRuntime } from '../../lib/opt/runtime.ts';
import type { OptTokenizer } from '../../lib/opt/tokenizer/tokenizer.ts';
import { loadOptWeights } from '../../lib/opt/weights.ts';
import type { Progress } from '../../lib/progress.ts';
import type { PruneCalibration } from '../../lib/pruning/calibration.ts';
import { connectPruningThread, type StatsPort } from '../../lib/pruning/statsThread.ts';
import { tfPruneKernels } from '../../lib/pruning/tfDenseProduct.ts';
import { modelFilesFor, REPO_ROOT, WIKITEXT_TEST_FILE, type CliModelWithTokenizer } from './optModel.ts';
import { startTsWorker } from '../tsWorker.ts';

/**
 * Node pieces shared by the `prune` command, `npm run study:fasp` and `npm run bench:prune`:
 * calibration windows (src/lib/calibration, or a calibration file), the CPU path's pruning kernels
 * (tfjs-wasm products), perplexity on WikiText-2 test, and writing the pruned model (src/lib/export).
 */
const DATASETS_DIR = path.join(REPO_ROOT, 'public', 'datasets');

/** `--calib wikitext2|c4|random|TEXT_FILE` as a calibration source. */
export function calibrationSourceFor(spec: string): CalibrationSource {
  if (spec === 'wikitext2' || spec === 'c4' || spec === 'random') return { kind: spec };
  if (existsSync(spec) && statSync(spec).isFile()) return { kind: 'text', name: path.basename(spec), text: readFileSync(spec, 'utf8') };
  throw new InputError(`--calib ${spec}: not a source name and not a file`, 'expected wikitext2, c4, random or the path of a text file (or --calib-file FILE.json from `npm run cli -- calib`)');
}

/** `--calib NAME` (built with src/lib/calibration) or `--calib-file FILE.json` (windows written by the `calib` command). */
export async function loadCalibration(
  spec: { calib: string; calibFile?: string; nsamples: number; seqlen: number; seed: number },
  model: Pick<CliModelWithTokenizer, 'runtime' | 'tokenizer'>,
): Promise<PruneCalibration> {
  if (spec.calibFile) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(spec.calibFile, 'utf8'));
    } catch (error) {
      throw new InputError(`--calib-file ${spec.calibFile}: cannot read it as JSON`, error instanceof Error ? error.message : String(error));
    }
    const fileName = path.basename(spec.calibFile);
    const windows = parseCalibrationWindows(json, { fileName, vocabSize: model.runtime.config.vocabSize, maxPositions: model.runtime.config.maxPositions });
    const seqLen = windows[0].length;
    const source = (json as { source?: unknown }).source;
    return { windows, seqLen, label: `${typeof source === 'string' ? source : fileName}, ${windows.length} × ${seqLen} tokens (${fileName})` };
  }
  const set = await buildCalibrationSet(
    { source: calibrationSourceFor(spec.calib), nsamples: spec.nsamples, seqlen: spec.seqlen, seed: spec.seed },
    { runtime: model.runtime, tokenizer: model.tokenizer, texts: fileTextReader(DATASETS_DIR) },
  );
  return { windows: set.windows, seqLen: spec.seqlen, label: `${set.label}, ${spec.nsamples} × ${spec.seqlen} tokens, seed ${spec.seed}` };
}

/**
 * The CPU path's pruning kernels (tfjs-wasm). `threads: 2` adds the calibration statistics (the Gram)
 * on a worker thread with its own tfjs-wasm while the layers run here, and solves half of each
 * restoration's rows there (src/lib/pruning/statsThread.ts): the same numbers as one thread. `close()` ends that thread (an idle one never keeps Node running).
 */
export async function cpuPruneKernels(options: { residual?: boolean; threads?: 1 | 2 } = {}) {
  const tf = await nodeTf();
  if ((options.threads ?? 1) === 1) return { ...tfPruneKernels(tf, options), close: async () => {} };
  const thread = startStatsWorker();
  return { ...tfPruneKernels(tf, { ...options, thread: thread.thread }), close: thread.close };
}

/** A worker_threads statistics thread (statsWorker.ts, compiled by tsx as the rest of the CLI is). */
function startStatsWorker() {
  const worker = startTsWorker(new URL('./statsWorker.ts', import.meta.url));
  worker.unref();
  const port: StatsPort = {
    postMessage: (message, transfer) => worker.postMessage(message, transfer as never),
    onMessage: (handler) => worker.on('message', handler),
    onError: (handler) => {
      worker.on('error', handler);
      worker.on('exit', (code) => handler(new Error(`exited with code ${code}`)));
    },
  };
  // Referenced only while it has work: a pending reply keeps the process alive, an idle thread does not.
  const thread = connectPruningThread(port, { onBusy: (busy) => (busy ? worker.ref() : worker.unref()) });
  return { thread, close: async () => void (await worker.terminate()) };
}

/** A progress callback that writes one stderr line at most once a second (and the last one). */
export function throttledStderr(line: (p: Progress) => string): (p: Progress) => void {
  let shownAt = -Infinity;
  return (p) => {
    const now = performance.now();
    if (now - shownAt < 1000 && p.done < p.total) return;
    shownAt = now;
    process.stderr.write(`${line(p)}\n`);
  };
}

let testIds: { tokenizer: OptTokenizer; ids: Int32Array } | undefined;

/** WikiText-2 test ids (tokenized once per tokenizer per process). */
export function wikitextTestIds(tokenizer: OptTokenizer): Int32Array {
  if (testIds?.tokenizer !== tokenizer) testIds = { tokenizer, ids: tokenizer.encode(joinDatasetRows(readFileSync(WIKITEXT_TEST_FILE, 'utf8'))) };
  return testIds.ids;
}

/** Perplexity on WikiText-2 test: windows of `seqLen` (the model's positions by default), all or the first `maxWindows`. */
export async function testPerplexity<H>(runtime: OptRuntime<H>, tokenizer: OptTokenizer, options: { seqLen?: number; maxWindows?: number; label?: string; quiet?: boolean }): Promise<PerplexityResult> {
  const ids = wikitextTestIds(tokenizer);
  const result = await perplexity(runtime, ids, {
    seqLen: options.seqLen || runtime.config.maxPositions,
    maxWindows: options.maxWindows || undefined,
    windowsPerBatch: 8,
    onProgress: options.quiet ? undefined : throttledStderr((p) => `${options.label ?? 'perplexity'}: ${Math.floor(p.done)} / ${p.total} windows`),
  });
  return result;
}

/**
 * Writes the model the runtime now holds (pruned layers and all) as a folder our runtime and HF read:
 * model.safetensors, config.json with ffn_dims / v_head_dims / v_dims, and the source's tokenizer files.
 * Embeddings, positions and the final norm are never pruned, so they are read again from the source.
 */
export async function writePrunedModel(model: CliModelWithTokenizer, spec: string, out: string, pruning: Record<string, unknown>): Promise<string[]> {
  const source = await loadOptWeights(model.config, model.weights);
  const files = modelFilesFor(spec);
  const exportable = await exportableFromRuntime(model.runtime, source, { companionFiles: await readCompanionFiles(files), label: files.label });
  const dir = path.resolve(out);
  mkdirSync(dir, { recursive: true });
  const written = exportSafetensors(exportable, { extraConfig: { pruning } });
  for (const file of written) writeFileSync(path.join(dir, file.name), file.bytes);
  return written.map((file) => file.name);
}
