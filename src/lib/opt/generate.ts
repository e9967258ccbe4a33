import { neverCancelled, type CancelFlag } from '../cancel.ts';
import { InputError } from '../errors.ts';
import { Rng } from '../util/random.ts';
import { forwardHidden } from './forward.ts';
import type { Activations, KvCache, OptRuntime } from './runtime.ts';
import { checkSampling, sampleNext, type SamplingOptions } from './sampling.ts';

/**
 * Text generation with a KV cache: the prompt is run once (prefill), then one token per step, each
 * step attending over the cached keys and values of all earlier positions instead of recomputing them.
 * Stops at `</s>`, after `maxNewTokens`, or when the model's positions run out.
 *
 * `generateBatch` decodes several prompts of one length together: every step is one forward pass of
 * [batch, 1] tokens (the layer API has no padding mask, hence the equal lengths). Each sequence samples
 * with its own Rng, so a batch gives exactly what one-at-a-time runs with the same seeds give.
 */
export type StopReason = 'eos' | 'max-new-tokens' | 'max-positions';

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
  stoppedBy: StopReason;
  promptTokens: number;
  prefillSeconds: number;
  /** Seconds per new token after the prefill. */
  secondsPerToken: number;
}

export interface BatchGenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  /** One per prompt: sequence b draws from `new Rng(seeds[b])`, as `generate` does with its seed. */
  seeds: readonly number[];
  /** Stop a sequence when it emits the end-of-sequence token (default true). */
  stopAtEos?: boolean;
  /** Keep earlier positions' keys and values (default true); false re-runs every sequence whole each step. */
  kvCache?: boolean;
  cancel?: CancelFlag;
  /** Sequence `sequence`'s `index`-th new token, as soon as it is chosen. */
  onToken?: (sequence: number, id: number, index: number) => void | Promise<void>;
  /** After each step (one token for every sequence still running). */
  onStep?: (step: number, running: number) => void | Promise<void>;
}

export interface BatchGenerateResult {
  /** Per prompt, in order: the new tokens only, and why it stopped. */
  sequences: { ids: Int32Array; stoppedBy: StopReason }[];
  promptTokens: number;
  prefillSeconds: number;
  /** Seconds per decoding step after the prefill (a step serves the whole batch). */
  secondsPerStep: number;
  /** New tokens of all sequences together. */
  newTokens: number;
}

export async function generate<H>(runtime: OptRuntime<H>, prompt: Int32Array, options: GenerateOptions): Promise<GenerateResult> {
  const { seed, onToken, ...rest } = options;
  const result = await generateBatch(runtime, [prompt], { ...rest, seeds: [seed], onToken: onToken && ((_, id, index) => onToken(id, index)) });
  const [sequence] = result.sequences;
  return { ids: sequence.ids, stoppedBy: sequence.stoppedBy, promptTokens: result.promptTokens, prefillSeconds: result.prefillSeconds, secondsPerToken: result.secondsPerStep };
}

export async function generateBatch<H>(runtime: OptRuntime<H>, prompts: readonly Int32Array[], options: BatchGenerateOptions): Promise<BatchGenerateResult> {
  checkSampling(options);
  const cancel = options.cancel ?? neverCancelled;
  const { maxPositions, eosTokenId } = runtime.config;
  const batch = prompts.length;
  const promptTokens = prompts[0]?.length ?? 0;
  if (batch === 0) throw new InputError('There are no prompts to generate from');
  if (options.seeds.length !== batch) throw new InputError(`${options.seeds.length} seeds for ${batch} prompts`, 'give one seed per prompt');
  if (prompts.some((p) => p.length !== promptTokens)) throw new InputError('The prompts of one batch must have the same number of tokens', `lengths: ${prompts.map((p) => p.length).join(', ')}`);
  if (promptTokens === 0) throw new InputError('The prompt is empty: it needs at least the start token');
  if (promptTokens >= maxPositions) throw new InputError(`The prompt has ${promptTokens} tokens; this model reads at most ${maxPositions - 1} before generating`);
  if (!(Number.isInteger(options.maxNewTokens) && options.maxNewTokens >= 1)) throw new InputError(`max new tokens must be an integer ≥ 1, got ${options.maxNewTokens}`);
  const capacity = Math.min(maxPositions, promptTokens + options.maxNewTokens);
  const stopAtEos = options.stopAtEos ?? true;
  const rngs = options.seeds.map((seed) => new Rng(seed));
  // What each sequence has seen (the repetition penalty's memory) and, for the no-cache path, what is
  // fed: a finished sequence keeps being fed its last token so the batch keeps its shape.
  const histories = prompts.map((p) => Array.from(p));
  const generated: number[][] = prompts.map(() => []);
  const stoppedBy: (StopReason | undefined)[] = prompts.map(() => undefined);
  const cache = options.kvCache === false ? undefined : runtime.createKvCache(batch, capacity);
  const fed = prompts.map((p) => Array.from(p));
  const started = performance.now();
  let prefillSeconds = 0;
  let steps = 0;
  try {
    let hidden: Activations<H> = await forwardHidden(runtime, concatRows(prompts), { batch, seqLen: promptTokens, cache });
    while (true) {
      const logits = await runtime.logits(hidden, { lastPositionOnly: true }); // [batch, vocab]
      runtime.release(hidden);
      if (steps === 0) prefillSeconds = (performance.now() - started) / 1000;
      steps++;
      const vocab = logits.length / batch;
      for (let b = 0; b < batch; b++) {
        if (stoppedBy[b]) continue;
        const next = sampleNext(logits.subarray(b * vocab, (b + 1) * vocab), histories[b], options, rngs[b]);
        generated[b].push(next);
        histories[b].push(next);
        await options.onToken?.(b, next, generated[b].length - 1);
        if (stopAtEos && next === eosTokenId) stoppedBy[b] = 'eos';
        else if (generated[b].length >= options.maxNewTokens) stoppedBy[b] = 'max-new-tokens';
      }
      const running = stoppedBy.filter((s) => !s).length;
      await options.onStep?.(steps, running);
      cancel.throwIfCancelled();
      if (running === 0) break;
      // Positions fed so far; the next input sits at this position.
      const position = promptTokens + steps - 1;
      if (position >= capacity) {
        for (let b = 0; b < batch; b++) stoppedBy[b] ??= 'max-positions';
        break;
      }
      for (let b = 0; b < batch; b++) fed[b].push(generated[b][generated[b].length - 1]);
      hidden = await nextHidden(runtime, fed, cache, position);
    }
  } finally {
    cache?.dispose();
  }
  const decodeSeconds = (performance.now() - started) / 1000 - prefillSeconds;
  return {
    sequences: generated.map((ids, b) => ({ ids: Int32Array.from(ids), stoppedBy: stoppedBy[b]! })),
    promptTokens,
    prefillSeconds,
    secondsPerStep: steps > 1 ? decodeSeconds / (steps - 1) : 0,
    newTokens: generated.reduce((sum, ids) => sum + ids.length, 0),
  };
}

/** Hidden states for the next step: the newest token with the cache, or every sequence whole without. */
async function nextHidden<H>(runtime: OptRuntime<H>, fed: number[][], cache: KvCache | undefined, position: number): Promise<Activations<H>> {
  const batch = fed.length;
  if (cache) return forwardHidden(runtime, Int32Array.from(fed, (ids) => ids[ids.length - 1]), { batch, seqLen: 1, positionOffset: position, cache });
  return forwardHidden(runtime, concatRows(fed.map((ids) => Int32Array.from(ids))), { batch, seqLen: position + 1 });
}

function concatRows(rows: readonly Int32Array[]): Int32Array {
  const out = new Int32Array(rows.reduce((n, r) => n + r.length, 0));
  let offset = 0;
  for (const row of rows) {
    out.set(row, offset);
    offset += row.length;
  }
  return out;
}
