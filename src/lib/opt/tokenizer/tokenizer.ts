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

  static fromFiles(files: TokenizerFiles, bosTokenId = 2): OptTokenizer {
    const config = (files.tokenizerConfig ?? {}) as Record<string, unknown>;
    let json = files.tokenizerJson as Record<string, unknown> | undefined;
    if (!json) {
      if (!files.vocabJson || files.mergesTxt === undefined) {
        throw new InputError(
          'The tokenizer files are missing',
          'expected tokenizer.json, or vocab.json together with merges.txt, next to config.json',
        );
      }
      const vocab = files.vocabJson as Record<string, number>;
      if (typeof vocab !== 'object' || Array.isArray(vocab)) throw new InputError('vocab.json is not a JSON object of token → id');
      json = buildTokenizerJson({
        vocab,
        merges: parseMergesTxt(files.mergesTxt),
        specialTokens: OPT_SPECIAL_TOKENS.filter((token) => token in vocab),
        bosToken: null,
      });
    }
    const model = json.model as { type?: string; vocab?: Record<string, number> } | undefined;
    if (!model || model.type !== 'BPE' || typeof model.vocab !== 'object') {
      throw new InputError('tokenizer.json does not describe a BPE model', `model.type is ${JSON.stringify(model?.type)}; OPT uses byte-level BPE`);
    }
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(json, config);
    } catch (error) {
      throw new InputError('The tokenizer files could not be read', error instanceof Error ? error.message : String(error));
    }
    const ids = Object.values(model.vocab);
    const added = ((json.added_tokens ?? []) as { id: number }[]).map((t) => t.id);
    const vocabSize = Math.max(...ids, ...added) + 1;
    return new OptTokenizer(tokenizer, bosTokenId, vocabSize);
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
