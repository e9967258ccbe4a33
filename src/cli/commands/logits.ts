import { InputError } from '../../lib/errors.ts';
import { sequenceLogits } from '../../lib/opt/forward.ts';
import { parseFlags } from '../args.ts';
import { openCliModel } from './optModel.ts';

/** `logits --model M --ids 2,17,5`: {"logits": [[…], …]}, float32 logits for every position. */
export async function run(argv: string[]) {
  const flags = parseFlags(argv, { model: undefined, ids: undefined });
  if (!flags.ids) throw new InputError('--ids is required', 'comma-separated token ids, e.g. --ids 2,17,5');
  const ids = Int32Array.from(flags.ids.split(',').map((part) => {
    const id = Number(part.trim());
    if (!Number.isInteger(id) || id < 0) throw new InputError(`--ids: "${part}" is not a token id`);
    return id;
  }));
  const { runtime, config } = await openCliModel(flags.model, { requireTokenizer: false });
  for (const id of ids) if (id >= config.vocabSize) throw new InputError(`--ids: ${id} is outside the vocabulary of ${config.vocabSize}`);
  if (ids.length > config.maxPositions) throw new InputError(`--ids: ${ids.length} ids exceed the model's ${config.maxPositions} positions`);
  const logits = await sequenceLogits(runtime, ids);
  const V = config.vocabSize;
  return { logits: Array.from({ length: ids.length }, (_, t) => Array.from(logits.subarray(t * V, (t + 1) * V))) };
}
