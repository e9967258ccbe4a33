import { neverCancelled, type CancelFlag } from '../cancel.ts';
import { InputError } from '../errors.ts';
import { Rng } from '../util/random.ts';
import { forwardHidden } from './forward.ts';
import type { OptRuntime } from './runtime.ts';
import { checkSampling, sampleNext, type SamplingOptions } from './sampling.ts';

/**
 * Text generation with a KV cache: the prompt is run once (prefill), then one token per step, each
 * step attending over the cached keys and values of all earlier positions instead of recomputing them.
 * Stops at `</s>`, after `maxNewTokens`, or when the model's positions run out.
 */
export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  seed: number;
  /** Stop when the model emits the end-of-sequence token (default true). */
  stopAtEos?: boolean;
  cancel?: CancelFlag;
  /** Each new token as soon as it is chosen (the page streams text from it). */
  onToken?: (id: number, index: number) => void | Promise<void>;
}

export interface GenerateResult {
  /** The new tokens only. */
  ids: Int32Array;
  stoppedBy: 'eos' | 'max-new-tokens' | 'max-positions';
  promptTokens: number;
  prefillSeconds: number;
  /** Seconds per new token after the prefill. */
  secondsPerToken: number;
}

export async function generate<H>(runtime: OptRuntime<H>, prompt: Int32Array, options: GenerateOptions): Promise<GenerateResult> {
  checkSampling(options);
  const cancel = options.cancel ?? neverCancelled;
  const { maxPositions, eosTokenId } = runtime.config;
  if (prompt.length === 0) throw new InputError('The prompt is empty: it needs at least the start token');
  if (prompt.length >= maxPositions) throw new InputError(`The prompt has ${prompt.length} tokens; this model reads at most ${maxPositions - 1} before generating`);
  if (!(Number.isInteger(options.maxNewTokens) && options.maxNewTokens >= 1)) throw new InputError(`max new tokens must be an integer ≥ 1, got ${options.maxNewTokens}`);
  const capacity = Math.min(maxPositions, prompt.length + options.maxNewTokens);
  const rng = new Rng(options.seed);
  const cache = runtime.createKvCache(1, capacity);
  const history = Array.from(prompt);
  const generated: number[] = [];
  let stoppedBy: GenerateResult['stoppedBy'] = 'max-new-tokens';
  const started = performance.now();
  let prefillSeconds = 0;
  try {
    let hidden = await forwardHidden(runtime, prompt, { batch: 1, seqLen: prompt.length, cache });
    while (true) {
      const logits = await runtime.logits(hidden, { lastPositionOnly: true });
      runtime.release(hidden);
      if (generated.length === 0) prefillSeconds = (performance.now() - started) / 1000;
      const next = sampleNext(logits, history, options, rng);
      generated.push(next);
      history.push(next);
      await options.onToken?.(next, generated.length - 1);
      cancel.throwIfCancelled();
      if ((options.stopAtEos ?? true) && next === eosTokenId) {
        stoppedBy = 'eos';
        break;
      }
      if (generated.length >= options.maxNewTokens) break;
      if (cache.length >= capacity) {
        stoppedBy = 'max-positions';
        break;
      }
      hidden = await forwardHidden(runtime, Int32Array.of(next), { batch: 1, seqLen: 1, positionOffset: cache.length, cache });
    }
  } finally {
    cache.dispose();
  }
  const decodeSeconds = (performance.now() - started) / 1000 - prefillSeconds;
  return {
    ids: Int32Array.from(generated),
    stoppedBy,
    promptTokens: prompt.length,
    prefillSeconds,
    secondsPerToken: generated.length > 1 ? decodeSeconds / (generated.length - 1) : 0,
  };
}
