import { sequenceLogits } from '../opt/forward.ts';
import type { OptRuntime } from '../opt/runtime.ts';

/**
 * Who made a self-generated set: the model (its config and what it computes) and the backend. The
 * model part hashes the config and the logits of a fixed probe, rounded to 3 decimals — cheap (one
 * forward of 8 tokens), independent of where the files came from, and it changes when the weights do
 * (a retrained or pruned model). The backend is part of the key because sampling follows the logits,
 * and CPU and GPU logits differ in the last bits.
 */
const PROBE_LENGTH = 8;

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function modelFingerprint(runtime: OptRuntime): Promise<string> {
  const { config } = runtime;
  const probe = Int32Array.from({ length: Math.min(PROBE_LENGTH, config.maxPositions) }, (_, i) => (i === 0 ? config.bosTokenId : (i * 7919 + 11) % config.vocabSize));
  const logits = await sequenceLogits(runtime, probe); // [probe, vocab]
  const rounded = Array.from(logits, (x) => Math.round(x * 1000));
  return (await sha256Hex(JSON.stringify({ config, rounded }))).slice(0, 32);
}
