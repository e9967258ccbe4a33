import type { ExportableModel } from '../lib/export/exportableModel.ts';
import { runtimeLogits } from '../lib/export/onnxChecks.ts';
import { CpuOptRuntime } from '../lib/opt/cpu/cpuRuntime.ts';
import type { Tf } from '../lib/opt/cpu/tfLinear.ts';
import { tf, useTfBackend } from './tfBackend.ts';

/**
 * Our logits for an exported model, from the app's CPU path (tfjs-wasm): what the ONNX parity check
 * compares ONNX Runtime with. Runs on a copy, since the runtime moves the weights into tfjs.
 */
export async function cpuRuntimeLogits(model: ExportableModel, ids: Int32Array, shape: { batch: number; seqLen: number }) {
  await useTfBackend('wasm');
  const runtime = new CpuOptRuntime(tf as unknown as Tf, model.config, structuredClone(model.weights));
  try {
    return { logits: await runtimeLogits(runtime, ids, shape), reference: 'the CPU runtime (tfjs-wasm)' };
  } finally {
    runtime.dispose();
  }
}
