import { readFileSync } from 'node:fs';
import { InputError } from '../../lib/errors.ts';
import { joinDatasetRows, WIKITEXT2_TEST_LABEL } from '../../lib/opt/data/wikitext.ts';
import { perplexity } from '../../lib/opt/perplexity.ts';
import { parseFlags } from '../args.ts';
import { openCliModel, WIKITEXT_TEST_FILE } from './optModel.ts';

/**
 * `ppl --model M [--text FILE] [--seqlen N] [--max-windows N]`: perplexity with the paper protocol
 * (src/lib/opt/perplexity.ts). Default text: the shipped WikiText-2 test split, rows joined with "\n\n";
 * a --text file is tokenized as it is. The window length defaults to the model's max positions (2048 for OPT).
 */
export async function run(argv: string[]) {
  const flags = parseFlags(argv, { model: undefined, text: undefined, seqlen: 0, 'max-windows': 0, batch: 1 });
  const { runtime, tokenizer, config } = await openCliModel(flags.model);
  let text: string;
  try {
    text = flags.text ? readFileSync(flags.text, 'utf8') : joinDatasetRows(readFileSync(WIKITEXT_TEST_FILE, 'utf8'));
  } catch {
    throw new InputError(`--text ${flags.text}: cannot read the file`);
  }
  const ids = tokenizer.encode(text);
  const result = await perplexity(runtime, ids, {
    seqLen: flags.seqlen || config.maxPositions,
    maxWindows: flags['max-windows'] || undefined,
    windowsPerBatch: flags.batch,
    onProgress: (p) => process.stderr.write(`\r${p.phase}: ${p.done.toFixed(1)} / ${p.total} windows`),
  });
  process.stderr.write('\n');
  // A metric that is not a number is a failure, never a result printed with exit 0.
  if (!Number.isFinite(result.ppl)) throw new Error(`perplexity is ${result.ppl} over ${result.tokens} tokens: the model's logits are not finite`);
  return {
    ppl: result.ppl,
    tokens: result.tokens,
    windows: result.windows,
    seconds: result.seconds,
    seqlen: result.seqLen,
    windowsInText: result.windowsInText,
    text: flags.text ?? WIKITEXT2_TEST_LABEL,
  };
}
