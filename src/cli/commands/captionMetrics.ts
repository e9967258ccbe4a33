import { readFile } from 'node:fs/promises';
import { parseFlags } from '../args.ts';
import { InputError } from '../../lib/errors.ts';
import { parseCands, parseRefs, scoreCaptions } from '../../lib/caption/metrics.ts';

/**
 * `npm run cli -- caption-metrics --refs R.json --cands C.json`: BLEU-1…4, ROUGE-L and CIDEr-D as the COCO
 * caption toolkit computes them, on pre-tokenised text (R.json: {"id": ["ref", …]}, C.json: {"id": "cand"}).
 * Prints {"bleu1","bleu2","bleu3","bleu4","rougeL","cider"}.
 */
export async function run(argv: string[]) {
  const flags = parseFlags(argv, { refs: undefined, cands: undefined });
  if (!flags.refs || !flags.cands) throw new InputError('caption-metrics needs --refs R.json and --cands C.json');
  const text = async (path: string, flag: string) => {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      throw new InputError(`cannot read --${flag} ${path}`, (error as Error).message);
    }
  };
  return scoreCaptions(parseRefs(await text(flags.refs, 'refs'), flags.refs), parseCands(await text(flags.cands, 'cands'), flags.cands));
}
