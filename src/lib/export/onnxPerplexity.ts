import { InputError } from '../errors.ts';
import { nllFromLogits } from '../opt/reference.ts';
import { windowCount } from '../opt/perplexity.ts';
import { onnxLogits, type Ort, type OrtSession } from './onnxRuntime.ts';

/**
 * Perplexity of an exported model run in ONNX Runtime, with the protocol of src/lib/opt/perplexity.ts
 * (non-overlapping windows of `seqLen`, each predicting its tokens 2…seqLen, exp of the mean NLL). Used
 * for SliceGPT models, which our OPT runtime does not run (their residual stream is rotated and sliced).
 */
export async function onnxPerplexity(
  ort: Ort,
  session: OrtSession,
  ids: Int32Array,
  options: { seqLen: number; vocabSize: number; maxWindows?: number; windowsPerBatch?: number; onWindow?: (done: number, total: number) => void },
): Promise<{ ppl: number; tokens: number; windows: number; windowsInText: number; seqLen: number; seconds: number }> {
  if (!Number.isInteger(options.seqLen) || options.seqLen < 2) throw new InputError(`The window length must be an integer ≥ 2, got ${options.seqLen}`);
  const seqLen = Math.min(options.seqLen, ids.length);
  const windowsInText = windowCount(ids.length, seqLen);
  const windows = Math.min(windowsInText, options.maxWindows ?? Infinity);
  const perBatch = Math.max(1, options.windowsPerBatch ?? 4);
  const started = performance.now();
  let total = 0;
  for (let w = 0; w < windows; w += perBatch) {
    const batch = Math.min(perBatch, windows - w);
    const logits = await onnxLogits(ort, session, ids.subarray(w * seqLen, (w + batch) * seqLen), { batch, seqLen });
    for (let b = 0; b < batch; b++) {
      const window = ids.subarray((w + b) * seqLen, (w + b + 1) * seqLen);
      for (const nll of nllFromLogits(logits.subarray(b * seqLen * options.vocabSize, (b + 1) * seqLen * options.vocabSize), window, options.vocabSize)) total += nll;
    }
    options.onWindow?.(w + batch, windows);
  }
  const tokens = windows * (seqLen - 1);
  return { ppl: Math.exp(total / tokens), tokens, windows, windowsInText, seqLen, seconds: (performance.now() - started) / 1000 };
}
