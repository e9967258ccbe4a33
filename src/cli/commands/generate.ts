import { generate } from '../../lib/opt/generate.ts';
import { unkSuppression } from '../../lib/opt/sampling.ts';
import { parseFlags } from '../args.ts';
import { openCliModel } from './optModel.ts';
import { InputError } from '../../lib/errors.ts';

/**
 * `generate --model M --prompt "…" [--max-new 50] [--temperature 0] [--top-k 0] [--top-p 1]
 * [--repetition-penalty 1] [--seed 0] [--allow-unk]`: streams the text to stderr, prints {"text", "ids", …}.
 * `<unk>` is never written unless --allow-unk (the embedded model learned it from tokenised WikiText-2).
 */
export async function run(argv: string[]) {
  const flags = parseFlags(argv, {
    model: undefined,
    prompt: undefined,
    'max-new': 50,
    temperature: 0,
    'top-k': 0,
    'top-p': 1,
    'repetition-penalty': 1,
    seed: 0,
    'allow-unk': false,
  });
  if (flags.prompt === undefined) throw new InputError('--prompt is required');
  const { runtime, tokenizer } = await openCliModel(flags.model);
  const prompt = tokenizer.encode(flags.prompt);
  const newIds: number[] = [];
  let shown = '';
  const result = await generate(runtime, prompt, {
    maxNewTokens: flags['max-new'],
    temperature: flags.temperature,
    topK: flags['top-k'],
    topP: flags['top-p'],
    repetitionPenalty: flags['repetition-penalty'],
    seed: flags.seed,
    suppressIds: unkSuppression(tokenizer, flags['allow-unk']),
    onToken: (id) => {
      newIds.push(id);
      const text = tokenizer.decode(newIds);
      process.stderr.write(text.slice(shown.length));
      shown = text;
    },
  });
  process.stderr.write('\n');
  return {
    prompt: flags.prompt,
    text: tokenizer.decode(result.ids),
    ids: Array.from(result.ids),
    stoppedBy: result.stoppedBy,
    promptTokens: result.promptTokens,
    secondsPerToken: result.secondsPerToken,
  };
}
