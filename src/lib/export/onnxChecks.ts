import type { OptConfig } from '../opt/config.ts';
import { forwardHidden } from '../opt/forward.ts';
import type { OptRuntime } from '../opt/runtime.ts';
import { Rng } from '../util/random.ts';
import { maxRelativeError, onnxLogits, PARITY_TOLERANCE, type Ort, type OrtSession } from './onnxRuntime.ts';

/**
 * What the export page and the CLI check on an exported ONNX model: that ONNX Runtime's logits equal
 * ours (parity), and how fast ONNX Runtime runs it (timing). Both take the ORT module and a session,
 * so the same code runs in Node and in a worker.
 */
export interface ParityReport {
  /** max |ort − ours| / (1 + |ours|) over every logit. */
  maxError: number;
  /** max |ort − ours|, for scale. */
  maxAbsError: number;
  maxAbsLogit: number;
  batch: number;
  seqLen: number;
  passed: boolean;
  /** What "ours" was: the CPU runtime, the WebGPU runtime, the float64 reference. */
  reference: string;
}

/** Seeded token windows for a parity check: each starts with </s> (id 2), as OPT inputs do. */
export function parityIds(config: OptConfig, shape: { batch: number; seqLen: number }, seed = 0): Int32Array {
  const rng = new Rng(seed);
  const ids = new Int32Array(shape.batch * shape.seqLen);
  for (let i = 0; i < ids.length; i++) ids[i] = i % shape.seqLen === 0 ? config.bosTokenId : rng.int(config.vocabSize);
  return ids;
}

/** Our runtime's logits [batch·seqLen·vocab] for ids [batch·seqLen]: the other side of the parity check. */
export async function runtimeLogits<H>(runtime: OptRuntime<H>, ids: Int32Array, shape: { batch: number; seqLen: number }): Promise<Float32Array> {
  const hidden = await forwardHidden(runtime, ids, shape);
  try {
    return await runtime.logits(hidden);
  } finally {
    runtime.release(hidden);
  }
}

export async function onnxParity(
  ort: Ort,
  session: OrtSession,
  input: { ids: Int32Array; batch: number; seqLen: number },
  ours: { logits: Float32Array; reference: string },
): Promise<ParityReport> {
  const got = await onnxLogits(ort, session, input.ids, input);
  const maxError = maxRelativeError(got, ours.logits);
  let maxAbsError = 0;
  let maxAbsLogit = 0;
  for (let i = 0; i < got.length; i++) {
    maxAbsError = Math.max(maxAbsError, Math.abs(got[i] - ours.logits[i]));
    maxAbsLogit = Math.max(maxAbsLogit, Math.abs(ours.logits[i]));
  }
  return { maxError, maxAbsError, maxAbsLogit, batch: input.batch, seqLen: input.seqLen, passed: maxError <= PARITY_TOLERANCE, reference: ours.reference };
}

export interface OnnxTiming {
  batch: number;
  seqLen: number;
  /** Median wall time of one forward pass (after one warm-up run). */
  medianMs: number;
  tokensPerSecond: number;
  runs: number;
}

/**
 * Times full forward passes (prefill of batch × seqLen tokens) of several sessions of the same
 * architecture family, runs interleaved (A, B, A, B, …) so that load from elsewhere hits them alike:
 * one warm-up each, then at least `minRounds` rounds, more while `budgetMs` lasts (≤ 20).
 */
export async function timeOnnxSideBySide(
  ort: Ort,
  sessions: readonly OrtSession[],
  config: OptConfig,
  options: { batch: number; seqLen: number; minRounds?: number; budgetMs?: number; onRound?: (done: number) => void },
): Promise<OnnxTiming[]> {
  const { batch, seqLen } = options;
  const ids = parityIds(config, { batch, seqLen }, 1);
  for (const session of sessions) await onnxLogits(ort, session, ids, { batch, seqLen }); // warm-up: kernel selection, allocations
  const times = sessions.map((): number[] => []);
  const started = performance.now();
  const minRounds = options.minRounds ?? 3;
  for (let round = 0; round < minRounds || (performance.now() - started < (options.budgetMs ?? 0) && round < 20); round++) {
    for (const [i, session] of sessions.entries()) {
      const t0 = performance.now();
      await onnxLogits(ort, session, ids, { batch, seqLen });
      times[i].push(performance.now() - t0);
    }
    options.onRound?.(round + 1);
  }
  return times.map((runs) => {
    const medianMs = [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)];
    return { batch, seqLen, medianMs, tokensPerSecond: (batch * seqLen * 1000) / medianMs, runs: runs.length };
  });
}
