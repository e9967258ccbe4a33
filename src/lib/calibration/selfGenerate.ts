import { neverCancelled, type CancelFlag } from '../cancel.ts';
import { InputError } from '../errors.ts';
import { windowNll } from '../opt/forward.ts';
import { generateBatch, type StopReason } from '../opt/generate.ts';
import type { OptRuntime } from '../opt/runtime.ts';
import { unkSuppression } from '../opt/sampling.ts';
import type { ProgressCallback } from '../progress.ts';
import { Rng } from '../util/random.ts';
import { streamSeed } from './seeds.ts';
import type { SelfGenSettings } from './settings.ts';
import type { CalibrationTokenizer } from './texts.ts';

/**
 * Self-generated calibration text (Ji et al. 2024, §5): the first `promptTokens` tokens of `nPrompts`
 * pool texts are prompts; the model continues each by sampling (temperature, top-k, top-p, repetition
 * penalty; `<unk>` masked unless `allowUnk`), batched with the KV cache; then each continuation is scored under the same model. The
 * perplexity filter and the windows come after (perplexityFilter.ts, buildCalibrationSet).
 */
export interface GeneratedSample {
  /** Which pool text the prompt came from. */
  poolIndex: number;
  /** The prompt's tokens (without the leading `</s>`). */
  promptIds: number[];
  /** The model's continuation (ends with `</s>` when it stopped there). */
  ids: number[];
  stoppedBy: StopReason;
  /** Mean negative log-likelihood of the continuation given `</s>` + prompt, and its exp. */
  meanNll: number;
  ppl: number;
}

export interface SelfGenJob {
  runtime: OptRuntime;
  tokenizer: CalibrationTokenizer;
  pool: readonly string[];
  settings: SelfGenSettings;
  seed: number;
  progress?: ProgressCallback;
  cancel?: CancelFlag;
}

/** Prompt tokens of `nPrompts` distinct pool texts, chosen at random; texts too short for a prompt are skipped. */
export function choosePrompts(pool: readonly string[], tokenizer: CalibrationTokenizer, settings: Pick<SelfGenSettings, 'nPrompts' | 'promptTokens'>, seed: number): { poolIndex: number; promptIds: number[] }[] {
  const order = new Rng(streamSeed(seed, 'prompts')).shuffle(Array.from(pool.keys()));
  const prompts: { poolIndex: number; promptIds: number[] }[] = [];
  for (const poolIndex of order) {
    if (prompts.length === settings.nPrompts) break;
    const ids = tokenizer.encode(pool[poolIndex], { addBos: false });
    if (ids.length >= settings.promptTokens) prompts.push({ poolIndex, promptIds: Array.from(ids.subarray(0, settings.promptTokens)) });
  }
  if (prompts.length < settings.nPrompts) {
    throw new InputError(`The prompt pool has ${prompts.length} texts of at least ${settings.promptTokens} tokens; ${settings.nPrompts} prompts were asked for`, 'ask for fewer prompts or use a larger pool');
  }
  return prompts;
}

export async function generateSamples(job: SelfGenJob): Promise<GeneratedSample[]> {
  const { runtime, tokenizer, settings, seed } = job;
  const cancel = job.cancel ?? neverCancelled;
  const progress = job.progress ?? (() => {});
  const prompts = choosePrompts(job.pool, tokenizer, settings, seed);
  const maxNewTokens = Math.min(settings.genLength, runtime.config.maxPositions - settings.promptTokens - 1);
  const batches = Math.ceil(prompts.length / settings.batchSize);
  const continuations: { ids: number[]; stoppedBy: StopReason }[] = [];
  for (let batch = 0; batch < batches; batch++) {
    const first = batch * settings.batchSize;
    const members = prompts.slice(first, first + settings.batchSize);
    const result = await generateBatch(
      runtime,
      members.map((p) => Int32Array.from([tokenizer.bosId, ...p.promptIds])),
      {
        ...settings.sampling,
        suppressIds: unkSuppression(tokenizer, settings.allowUnk),
        maxNewTokens,
        // Per prompt, not per batch position: the samples do not depend on the batch size.
        seeds: members.map((_, i) => streamSeed(seed, 'sample', first + i)),
        cancel,
        onStep: async (step) => {
          progress({ phase: 'generating', done: batch * maxNewTokens + step, total: batches * maxNewTokens, message: `batch ${batch + 1} of ${batches}` });
          // Lets a cancel message in between steps.
          await new Promise((resolve) => setTimeout(resolve, 0));
        },
      },
    );
    for (const sequence of result.sequences) continuations.push({ ids: Array.from(sequence.ids), stoppedBy: sequence.stoppedBy });
  }
  const sequences = prompts.map((p, i) => [tokenizer.bosId, ...p.promptIds, ...continuations[i].ids]);
  const meanNll = await continuationNll(runtime, sequences, { promptLength: settings.promptTokens + 1, batchSize: settings.batchSize, progress, cancel });
  return prompts.map((p, i) => ({ ...p, ...continuations[i], meanNll: meanNll[i], ppl: Math.exp(meanNll[i]) }));
}

/**
 * Mean NLL of each sequence's tokens after its first `promptLength` (the part the model wrote), with
 * sequences of equal length scored together in batches.
 */
export async function continuationNll(
  runtime: OptRuntime,
  sequences: readonly number[][],
  options: { promptLength: number; batchSize: number; progress?: ProgressCallback; cancel?: CancelFlag },
): Promise<number[]> {
  const out = new Array<number>(sequences.length).fill(NaN);
  const byLength = new Map<number, number[]>();
  sequences.forEach((s, i) => byLength.set(s.length, [...(byLength.get(s.length) ?? []), i]));
  let done = 0;
  for (const [seqLen, members] of byLength) {
    for (let start = 0; start < members.length; start += options.batchSize) {
      const group = members.slice(start, start + options.batchSize);
      const ids = Int32Array.from(group.flatMap((i) => sequences[i]));
      const nll = await windowNll(runtime, ids, { batch: group.length, seqLen }); // [batch, seqLen − 1]
      group.forEach((index, b) => {
        // Row t predicts token t + 1: the continuation's tokens are rows promptLength − 1 … seqLen − 2.
        let sum = 0;
        for (let t = options.promptLength - 1; t < seqLen - 1; t++) sum += nll[b * (seqLen - 1) + t];
        out[index] = sum / (seqLen - options.promptLength);
      });
      done += group.length;
      options.progress?.({ phase: 'scoring', done, total: sequences.length });
      await new Promise((resolve) => setTimeout(resolve, 0));
      options.cancel?.throwIfCancelled();
    }
  }
  return out;
}
