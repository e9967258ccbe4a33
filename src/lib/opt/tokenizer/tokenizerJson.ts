/**
 * The `tokenizer.json` of a GPT-2/OPT-style byte-level BPE, built from `vocab.json` + `merges.txt`
 * (what `facebook/opt-*` repos ship) or from our own trained vocabulary. It mirrors what HF's
 * `GPT2TokenizerFast` conversion writes for OPT: ByteLevel pre-tokenizer and decoder without a prefix
 * space, special tokens matched before splitting, and a template that prepends `</s>` to every
 * sequence (OPT's BOS is `</s>`, id 2).
 */
export interface TokenizerJsonOptions {
  vocab: Record<string, number>;
  merges: readonly string[];
  /** Tokens matched whole in the text and never split (`<s>`, `<pad>`, `</s>`, `<unk>`). */
  specialTokens: readonly string[];
  /** Prepended to every encoded sequence; null for none. */
  bosToken: string | null;
}

export function buildTokenizerJson(options: TokenizerJsonOptions): Record<string, unknown> {
  const { vocab, merges, specialTokens, bosToken } = options;
  const addedTokens = specialTokens.map((content) => {
    const id = vocab[content];
    if (id === undefined) throw new RangeError(`special token ${content} is not in the vocabulary`);
    return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true };
  });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  let postProcessor: Record<string, unknown> | null = null;
  if (bosToken !== null) {
    const bosId = vocab[bosToken];
    if (bosId === undefined) throw new RangeError(`BOS token ${bosToken} is not in the vocabulary`);
    postProcessor = {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: bosToken, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: bosToken, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: bosToken, type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { [bosToken]: { id: bosToken, ids: [bosId], tokens: [bosToken] } },
    };
  }
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: postProcessor,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: [...merges],
    },
  };
}

/** Parses `merges.txt`: an optional `#version` line, then one "left right" merge per line. */
export function parseMergesTxt(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line, index) => line.length > 0 && !(index === 0 && line.startsWith('#version')));
}

export function formatMergesTxt(merges: readonly string[]): string {
  return `#version: 0.2\n${merges.join('\n')}\n`;
}
