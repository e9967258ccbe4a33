import type * as OrtModule from 'onnxruntime-web';
import { INPUT_NAME, OUTPUT_NAME } from './onnxExport.ts';

/**
 * Running an exported model in onnxruntime-web. The module is passed in, because Node and the browser
 * load it differently (nodeOrt.ts; src/workers/ortWeb.ts serves the .wasm from our own origin).
 */
export type Ort = typeof OrtModule;
export type OrtSession = OrtModule.InferenceSession;

export async function createOnnxSession(ort: Ort, modelBytes: Uint8Array): Promise<OrtSession> {
  return ort.InferenceSession.create(modelBytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
}

/** Logits [batch·seqLen·vocab] of ids [batch·seqLen] (row-major, like the runtime's). */
export async function onnxLogits(ort: Ort, session: OrtSession, ids: Int32Array, shape: { batch: number; seqLen: number }): Promise<Float32Array> {
  if (ids.length !== shape.batch * shape.seqLen) throw new RangeError(`${ids.length} ids for ${shape.batch}×${shape.seqLen}`);
  const input = new ort.Tensor('int64', BigInt64Array.from(ids, (id) => BigInt(id)), [shape.batch, shape.seqLen]);
  const outputs = await session.run({ [INPUT_NAME]: input });
  const logits = outputs[OUTPUT_NAME];
  try {
    return (logits.data as Float32Array).slice();
  } finally {
    input.dispose();
    logits.dispose();
  }
}

/** Largest |got − want| / (1 + |want|): the parity criterion (≤ 1e-4 passes). */
export function maxRelativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new RangeError(`parity: ${got.length} values vs ${want.length}`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const error = Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i]));
    if (!(error <= worst)) worst = Number.isNaN(error) ? Infinity : error;
  }
  return worst;
}

export const PARITY_TOLERANCE = 1e-4;
