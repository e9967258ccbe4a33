import type { Activations, KvCache, OptRuntime } from './runtime.ts';

/**
 * Whole-model passes built from the layer API (src/lib/opt/runtime.ts), shared by both backends:
 * embed → every decoder layer → head. Intermediate activations are released as soon as the next
 * layer has consumed them, so device memory holds about two layers' activations at a time.
 */
export interface ForwardOptions {
  batch: number;
  seqLen: number;
  positionOffset?: number;
  cache?: KvCache;
  /** Called after each layer (progress, cancellation checks). */
  afterLayer?: (layer: number) => void | Promise<void>;
}

/** Final hidden states [batch·seqLen, hidden] of ids [batch·seqLen]. The caller releases the result. */
export async function forwardHidden<H>(runtime: OptRuntime<H>, ids: Int32Array, options: ForwardOptions): Promise<Activations<H>> {
  let x = await runtime.embed(ids, { batch: options.batch, seqLen: options.seqLen, positionOffset: options.positionOffset });
  for (let l = 0; l < runtime.config.numLayers; l++) {
    const { hidden } = await runtime.layer(l, x, { cache: options.cache });
    runtime.release(x);
    x = hidden;
    await options.afterLayer?.(l);
  }
  options.cache?.advance(options.seqLen);
  return x;
}

/** Logits [T, vocab] of one sequence. */
export async function sequenceLogits<H>(runtime: OptRuntime<H>, ids: Int32Array): Promise<Float32Array> {
  const hidden = await forwardHidden(runtime, ids, { batch: 1, seqLen: ids.length });
  try {
    return await runtime.logits(hidden);
  } finally {
    runtime.release(hidden);
  }
}

/**
 * NLL of each next token in `batch` windows of `seqLen` ids ([batch·seqLen], row-major): for window b,
 * token t + 1 given tokens ≤ t, so (seqLen − 1) values per window, [batch, seqLen − 1].
 */
export async function windowNll<H>(runtime: OptRuntime<H>, windows: Int32Array, options: Omit<ForwardOptions, 'cache' | 'positionOffset'>): Promise<Float32Array> {
  const { batch, seqLen } = options;
  if (seqLen < 2) throw new RangeError('a window needs at least 2 tokens to predict one');
  const hidden = await forwardHidden(runtime, windows, options);
  // Row t predicts token t + 1; each window's last row has no target (id 0 stands in and is dropped).
  const targets = new Int32Array(batch * seqLen);
  for (let b = 0; b < batch; b++) targets.set(windows.subarray(b * seqLen + 1, (b + 1) * seqLen), b * seqLen);
  let all: Float32Array;
  try {
    all = await runtime.nll(hidden, targets);
  } finally {
    runtime.release(hidden);
  }
  const out = new Float32Array(batch * (seqLen - 1));
  for (let b = 0; b < batch; b++) out.set(all.subarray(b * seqLen, (b + 1) * seqLen - 1), b * (seqLen - 1));
  return out;
}
