import { neverCancelled, type CancelFlag } from '../cancel.ts';
import { InputError } from '../errors.ts';
import type { ProgressCallback } from '../progress.ts';
import { windowNll } from './forward.ts';
import type { OptRuntime } from './runtime.ts';

/**
 * Perplexity with the protocol of the OPT, SparseGPT and FASP papers: the text is tokenized once, cut
 * into non-overlapping windows of `seqLen` tokens (the remainder after the last full window is dropped;
 * a text shorter than one window is used whole), each window is scored on its own (no context carried
 * over), and perplexity = exp(mean NLL over every predicted token), each window predicting its tokens
 * 2…seqLen from the ones before.
 */
export interface PerplexityOptions {
  seqLen: number;
  /** Score only the first N windows (quick looks; the page says when it did). */
  maxWindows?: number;
  /** Windows per forward pass (more is faster on a GPU, costs activation memory). */
  windowsPerBatch?: number;
  cancel?: CancelFlag;
  onProgress?: ProgressCallback;
}

export interface PerplexityResult {
  ppl: number;
  meanNll: number;
  /** Predicted tokens the mean is over. */
  tokens: number;
  windows: number;
  /** Windows the text holds in total (windows < this when maxWindows cut it short). */
  windowsInText: number;
  seqLen: number;
  seconds: number;
  /** Mean NLL of each window, for a plot. */
  windowNll: number[];
}

export function windowCount(tokenCount: number, seqLen: number): number {
  if (tokenCount < 2) return 0;
  return Math.max(1, Math.floor(tokenCount / seqLen));
}

export async function perplexity<H>(runtime: OptRuntime<H>, ids: Int32Array, options: PerplexityOptions): Promise<PerplexityResult> {
  const cancel = options.cancel ?? neverCancelled;
  const maxPositions = runtime.config.maxPositions;
  if (!Number.isInteger(options.seqLen) || options.seqLen < 2) throw new InputError(`The window length must be an integer ≥ 2, got ${options.seqLen}`);
  if (options.seqLen > maxPositions) throw new InputError(`The window length ${options.seqLen} exceeds the model's ${maxPositions} positions`);
  if (ids.length < 2) throw new InputError('The text is too short: it needs at least 2 tokens');
  const seqLen = Math.min(options.seqLen, ids.length);
  const windowsInText = windowCount(ids.length, seqLen);
  const windows = Math.min(windowsInText, options.maxWindows ?? Infinity);
  const perBatch = Math.max(1, Math.min(options.windowsPerBatch ?? 1, windows));
  const started = performance.now();
  const layers = runtime.config.numLayers;
  const perWindow: number[] = [];
  let total = 0;
  for (let w = 0; w < windows; w += perBatch) {
    const batch = Math.min(perBatch, windows - w);
    const report = (layersDone: number) =>
      options.onProgress?.({ phase: 'perplexity', done: w + (batch * layersDone) / (layers + 1), total: windows, message: `window ${w + 1} of ${windows}` });
    report(0);
    const nll = await windowNll(runtime, ids.subarray(w * seqLen, (w + batch) * seqLen), {
      batch,
      seqLen,
      afterLayer: (l) => {
        report(l + 1);
        cancel.throwIfCancelled();
      },
    });
    for (let b = 0; b < batch; b++) {
      let sum = 0;
      for (let t = 0; t < seqLen - 1; t++) sum += nll[b * (seqLen - 1) + t];
      perWindow.push(sum / (seqLen - 1));
      total += sum;
    }
    cancel.throwIfCancelled();
  }
  options.onProgress?.({ phase: 'perplexity', done: windows, total: windows });
  const tokens = windows * (seqLen - 1);
  const meanNll = total / tokens;
  return { ppl: Math.exp(meanNll), meanNll, tokens, windows, windowsInText, seqLen, seconds: (performance.now() - started) / 1000, windowNll: perWindow };
}
