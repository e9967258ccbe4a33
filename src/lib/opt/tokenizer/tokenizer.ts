import { Tokenizer } from '@huggingface/tokenizers';
import { InputError } from '../../errors.ts';
import { buildTokenizerJson, parseMergesTxt } from './tokenizerJson.ts';

/**
 * OPT's tokenizer: GPT-2's byte-level BPE, run by `@huggingface/tokenizers`, from either a
 * `tokenizer.json` or the `vocab.json` + `merges.txt` pair that `facebook/opt-*` repos ship. OPT
 * prepends `</s>` (id 2) to every sequence; we add it ourselves rather than trust each file's
 * post-processor, so both file layouts give the same ids.
 */
export interface TokenizerFiles {
  /** Parsed tokenizer.json. */
  tokenizerJson?: unknown;
  /** Parsed tokenizer_config.json (optional). */
  tokenizerConfig?: unknown;
  /** Parsed vocab.json. */
  vocabJson?: unknown;
  /** merges.txt as text. */
  mergesTxt?: string;
}

const OPT_SPECIAL_TOKENS = ['<s>', '<pad>', '</s>', '<unk>'];

/** Tokens that mark sequences rather than stand for text. */
const SEQUENCE_MARKERS = ['<s>', '</s>', '<pad>'];

export class OptTokenizer {
  private markers: Set<number> | undefined;

  private constructor(
    private readonly tokenizer: Tokenizer,
    /** Prepended by `encode` (OPT: `</s>` = 2). */
    readonly bosId: number,
    readonly vocabSize: number,
  ) {}

  /**
   * The tokenizer from its files, checked against config.json: every id (vocabulary and added tokens)
   * is an integer below `vocabSize` (the embedding's rows), the vocabulary is not empty, merges are
   * strings ("a b") or pairs of strings. Errors name the file and field.
   */
  static fromFiles(files: TokenizerFiles, options: { bosTokenId?: number; vocabSize?: number } = {}): OptTokenizer {
    const config = (files.tokenizerConfig ?? {}) as Record<string, unknown>;
    let json = files.tokenizerJson as Record<string, unknown> | undefined;
    const fileName = json ? 'tokenizer.json' : 'vocab.json';
    if (json !== undefined && (json === null || typeof json !== 'object' || Array.isArray(json))) throw new InputError('tokenizer.json is not a JSON object');
    if (!json) {
      if (!files.vocabJson || files.mergesTxt === undefined) {
        throw new InputError(
          'The tokenizer files are missing',
          'expected tokenizer.json, or vocab.json together with merges.txt, next to config.json',
        );
      }
      const vocab = files.vocabJson as Record<string, number>;
      if (typeof vocab !== 'object' || Array.isArray(vocab)) throw new InputError('vocab.json is not a JSON object of token → id');
      checkVocabulary(vocab, 'vocab.json', 'the entry', options.vocabSize);
      json = buildTokenizerJson({
        vocab,
        merges: parseMergesTxt(files.mergesTxt),
        specialTokens: OPT_SPECIAL_TOKENS.filter((token) => token in vocab),
        bosToken: null,
      });
    }
    const model = json.model as { type?: string; vocab?: Record<string, number>; merges?: unknown } | undefined;
    if (!model || model.type !== 'BPE' || model.vocab === null || typeof model.vocab !== 'object' || Array.isArray(model.vocab)) {
      throw new InputError('tokenizer.json does not describe a BPE model', `model.type is ${JSON.stringify(model?.type)}; OPT uses byte-level BPE`);
    }
    let vocabSize = checkVocabulary(model.vocab, fileName, 'model.vocab', options.vocabSize);
    checkMerges(model.merges, fileName === 'vocab.json' ? 'merges.txt' : 'tokenizer.json');
    const added = json.added_tokens ?? [];
    if (!Array.isArray(added)) throw new InputError(`${fileName}: "added_tokens" must be a list`);
    added.forEach((token: { id?: unknown; content?: unknown }, i) => {
      const limit = options.vocabSize ?? Number.MAX_SAFE_INTEGER;
      if (!Number.isSafeInteger(token?.id) || (token.id as number) < 0 || (token.id as number) >= limit || typeof token.content !== 'string') {
        throw new InputError(`${fileName}: added_tokens[${i}] must have a string content and an integer id in [0, ${limit})`, `got ${JSON.stringify(token)?.slice(0, 120)}`);
      }
      vocabSize = Math.max(vocabSize, (token.id as number) + 1);
    });
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(json, config);
    } catch (error) {
      throw new InputError(`The tokenizer in ${fileName} could not be read`, error instanceof Error ? error.message : String(error));
    }
    return new OptTokenizer(tokenizer, options.bosTokenId ?? 2, vocabSize);
  }

  /** Token ids of `text`, with OPT's `</s>` first unless `addBos` is false. */
  encode(text: string, options: { addBos?: boolean } = {}): Int32Array {
    const ids = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    const addBos = options.addBos ?? true;
    const out = new Int32Array(ids.length + (addBos ? 1 : 0));
    if (addBos) out[0] = this.bosId;
    out.set(ids, addBos ? 1 : 0);
    return out;
  }

  /**
   * Text of `ids`. The sequence markers `<s>`, `</s>` and `<pad>` are dropped unless `skipSpecial` is
   * false; `<unk>` stays, because WikiText's text contains it literally. Spaces are kept as encoded.
   */
  decode(ids: ArrayLike<number>, options: { skipSpecial?: boolean } = {}): string {
    const kept = options.skipSpecial ?? true ? Array.from(ids).filter((id) => !this.markerIds.has(id)) : Array.from(ids);
    if (kept.length === 0) return '';
    return this.tokenizer.decode(kept, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  /** Ids of OPT's special tokens (`<s>`, `<pad>`, `</s>`, `<unk>`) that this vocabulary has, ascending. */
  specialIds(): number[] {
    return OPT_SPECIAL_TOKENS.map((token) => this.tokenizer.token_to_id(token))
      .filter((id): id is number => id !== undefined)
      .sort((a, b) => a - b);
  }

  /** Id of `<unk>`, or undefined when the vocabulary has none (generation masks it: `unkSuppression`). */
  get unkId(): number | undefined {
    return this.tokenizer.token_to_id('<unk>') ?? undefined;
  }

  private get markerIds(): Set<number> {
    this.markers ??= new Set(SEQUENCE_MARKERS.map((token) => this.tokenizer.token_to_id(token)).filter((id): id is number => id !== undefined));
    return this.markers;
  }

  /** The token string of one id (byte-level characters, e.g. "Ġthe"), for display. */
  tokenText(id: number): string | undefined {
    return this.tokenizer.id_to_token(id);
  }
}

/** Checks every id and returns the largest + 1 (a loop, not Math.max(...ids): vocabularies reach 250 k entries). */
function checkVocabulary(vocab: Record<string, unknown>, fileName: string, field: string, vocabSize: number | undefined): number {
  const limit = vocabSize ?? Number.MAX_SAFE_INTEGER;
  let size = 0;
  for (const [token, id] of Object.entries(vocab)) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0 || id >= limit) {
      throw new InputError(
        `${fileName}: ${field} ${JSON.stringify(token).slice(0, 60)} has id ${JSON.stringify(id)?.slice(0, 40)}`,
        vocabSize === undefined ? 'ids must be non-negative integers' : `ids must be integers in [0, ${vocabSize}) (config.json's vocab_size: the embedding's rows)`,
      );
    }
    if (id >= size) size = id + 1;
  }
  if (size === 0) throw new InputError(`${fileName}: the vocabulary is empty`, 'a byte-level BPE vocabulary has at least the 256 byte symbols');
  return size;
}

function checkMerges(merges: unknown, fileName: string): void {
  if (merges === undefined) return;
  if (!Array.isArray(merges)) throw new InputError(`${fileName}: the merges must be a list`);
  merges.forEach((merge: unknown, i) => {
    const ok =
      (typeof merge === 'string' && merge.includes(' ')) ||
      (Array.isArray(merge) && merge.length === 2 && merge.every((part) => typeof part === 'string'));
    if (!ok) throw new InputError(`${fileName}: merge ${i + 1} is ${JSON.stringify(merge)?.slice(0, 60)}`, 'each merge is "left right" (or a [left, right] pair in tokenizer.json)');
  });
}
