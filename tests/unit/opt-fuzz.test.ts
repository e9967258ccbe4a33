import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isInputError } from '../../src/lib/errors.ts';
import { parseOptConfig } from '../../src/lib/opt/config.ts';
import { parseSafetensors, readTensorF32, writeSafetensors } from '../../src/lib/opt/safetensors.ts';
import { parseShardIndex } from '../../src/lib/opt/sources/shardIndex.ts';
import { OptTokenizer } from '../../src/lib/opt/tokenizer/tokenizer.ts';
import { BYTE_TO_CHAR } from '../../src/lib/opt/tokenizer/byteLevel.ts';
import { formatMergesTxt } from '../../src/lib/opt/tokenizer/tokenizerJson.ts';

/**
 * Property tests for the model-file parsers (issue 13): whatever the bytes or JSON, each parser either
 * accepts with finite, consistent results or throws an InputError that names the file — never another
 * exception. Runs are bounded (a few hundred small cases per parser) so the file takes seconds.
 */
const RUNS = { numRuns: 300, seed: 13 };

/** Runs `parse`; a refusal must be an InputError whose message names `fileName`. */
function acceptOrRefuse<T>(fileName: RegExp, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!isInputError(error)) throw error;
    expect(error.message).toMatch(fileName);
    return undefined;
  }
}

const SPECIALS = ['<s>', '<pad>', '</s>', '<unk>'];

describe('safetensors parser under mutation', () => {
  const valid = writeSafetensors({
    'a.weight': { shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i - 5) },
    'a.bias': { shape: [3], data: new Float32Array([1, 2, 3]), dtype: 'F16' },
    b: { shape: [2, 2], data: new Float32Array([0.5, -1, 2, 8]), dtype: 'BF16' },
  });

  function checkAccepted(bytes: Uint8Array): void {
    const file = acceptOrRefuse(/^m\.safetensors/, () => parseSafetensors(bytes, 'm.safetensors'));
    if (!file) return;
    let dataBytes = 0;
    for (const entry of file.tensors.values()) {
      expect(entry.begin).toBeGreaterThanOrEqual(0);
      expect(entry.end).toBeLessThanOrEqual(bytes.byteLength);
      const data = readTensorF32(file, entry);
      expect(data.length).toBe(entry.shape.reduce((a, b) => a * b, 1));
      dataBytes += entry.end - entry.begin;
    }
    // Accepted means the tensors tile the data exactly.
    expect(8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true)) + dataBytes).toBe(bytes.byteLength);
  }

  it('byte flips, truncations and insertions are accepted consistently or refused with an InputError', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(valid.length - 1), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(valid.length) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(valid.length), bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }) }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        let bytes = valid.slice();
        for (const m of mutations) {
          const at = Math.min(m.at, bytes.length);
          if (m.kind === 'flip' && at < bytes.length) bytes[at] = m.value;
          else if (m.kind === 'cut') bytes = bytes.slice(0, at);
          else if (m.kind === 'insert') bytes = Uint8Array.from([...bytes.subarray(0, at), ...m.bytes, ...bytes.subarray(at)]);
        }
        checkAccepted(bytes);
      }),
      RUNS,
    );
  });

  it('arbitrary headers (dtypes, shapes, offsets) are accepted consistently or refused with an InputError', () => {
    const dim = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom(-1, 1.5, 2 ** 40, Number.MAX_SAFE_INTEGER), fc.string({ maxLength: 2 }));
    const entry = fc.record({
      dtype: fc.oneof(fc.constantFrom('F32', 'F16', 'BF16', 'I8', 'F64'), fc.integer()),
      shape: fc.oneof(fc.array(dim, { maxLength: 3 }), fc.constant(null)),
      data_offsets: fc.oneof(fc.tuple(fc.integer({ min: -4, max: 40 }), fc.integer({ min: -4, max: 40 })), fc.array(fc.integer(), { maxLength: 3 })),
    });
    const header = fc.dictionary(fc.oneof(fc.string({ maxLength: 4 }), fc.constant('__metadata__')), fc.oneof(entry, fc.anything()), { maxKeys: 4 });
    fc.assert(
      fc.property(header, fc.integer({ min: 0, max: 48 }), (json, dataLength) => {
        const headerBytes = new TextEncoder().encode(JSON.stringify(json));
        const bytes = new Uint8Array(8 + headerBytes.length + dataLength);
        new DataView(bytes.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
        bytes.set(headerBytes, 8);
        checkAccepted(bytes);
      }),
      RUNS,
    );
  });
});

describe('config.json parser', () => {
  const FIELDS = ['vocab_size', 'hidden_size', 'num_attention_heads', 'num_hidden_layers', 'ffn_dim', 'max_position_embeddings', 'word_embed_proj_dim', 'bos_token_id', 'pad_token_id', 'eos_token_id'];
  const value = fc.oneof(
    fc.integer({ min: 0, max: 64 }),
    fc.constantFrom(5e8, 2 ** 26, 2 ** 31, -1, 0.5, Number.MAX_SAFE_INTEGER, null, 'x', true),
    fc.array(fc.integer({ min: -1, max: 8 }), { maxLength: 4 }),
  );

  it('accepts with finite sizes or refuses with an InputError naming config.json', () => {
    const config = fc.record(
      {
        ...Object.fromEntries(FIELDS.map((name) => [name, value])),
        do_layer_norm_before: fc.oneof(fc.boolean(), fc.constant('yes')),
        enable_bias: fc.oneof(fc.boolean(), fc.constant(0)),
        ffn_dims: fc.oneof(fc.constant(undefined), fc.array(value, { maxLength: 3 })),
        v_head_dims: fc.oneof(fc.constant(undefined), fc.array(fc.array(value, { maxLength: 3 }), { maxLength: 3 })),
        model_type: fc.constantFrom('opt', 'gpt2', undefined),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(config, (json) => {
        const parsed = acceptOrRefuse(/^config\.json/, () => parseOptConfig(json));
        if (!parsed) return;
        for (const size of [parsed.vocabSize, parsed.hiddenSize, parsed.numLayers, parsed.numHeads, parsed.headDim, parsed.ffnDim, parsed.maxPositions]) {
          expect(Number.isSafeInteger(size) && size >= 1).toBe(true);
        }
        expect(parsed.bosTokenId).toBeLessThan(parsed.vocabSize);
        expect(parsed.vocabSize * parsed.wordEmbedProjDim + parsed.numLayers * 2 * parsed.hiddenSize ** 2).toBeLessThanOrEqual(2 ** 38);
      }),
      RUNS,
    );
  });

  it('refuses sizes no weights could hold before allocating (num_hidden_layers 5e8, hidden = heads = 2^26)', () => {
    expect(() => parseOptConfig({ num_hidden_layers: 5e8 })).toThrow(/config.json: "num_hidden_layers" must be an integer in \[1, 1024\]/);
    expect(() => parseOptConfig({ hidden_size: 2 ** 26, num_attention_heads: 2 ** 26 })).toThrow(/config.json: "hidden_size"/);
    expect(() => parseOptConfig({ hidden_size: 2 ** 16, num_attention_heads: 2 ** 12, num_hidden_layers: 1000 })).toThrow(/at least .* parameters/);
  });
});

describe('tokenizer files', () => {
  // A valid byte-level vocabulary: specials 0–3, the 256 byte symbols at 4–259.
  const baseVocab: Record<string, number> = {};
  SPECIALS.forEach((token, id) => (baseVocab[token] = id));
  BYTE_TO_CHAR.forEach((char, byte) => (baseVocab[char] = 4 + byte));

  it('vocab.json + merges.txt: accepted with ids below vocab_size, or refused with an InputError naming the file', () => {
    const id = fc.oneof(fc.integer({ min: 0, max: 400 }), fc.constantFrom(-1, 1.5, '7', null, 2 ** 53));
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 3 }), id, { maxKeys: 6 }), fc.boolean(), fc.array(fc.string({ maxLength: 5 }), { maxLength: 4 }), fc.integer({ min: 1, max: 400 }), (extra, keepBase, merges, vocabSize) => {
        const vocab = keepBase ? { ...baseVocab, ...extra } : extra;
        const tokenizer = acceptOrRefuse(/^(vocab\.json|merges\.txt|The tokenizer)/, () => OptTokenizer.fromFiles({ vocabJson: vocab, mergesTxt: formatMergesTxt(merges) }, { vocabSize }));
        if (!tokenizer) return;
        expect(tokenizer.vocabSize).toBeLessThanOrEqual(vocabSize);
        for (const token of tokenizer.encode('The cat ünï 1')) expect(token).toBeLessThan(vocabSize);
      }),
      { ...RUNS, numRuns: 150 },
    );
  });

  it('tokenizer.json: non-string merges, bad added tokens and foreign models are InputErrors naming tokenizer.json', () => {
    const merge = fc.oneof(fc.constantFrom('Ġ t', 'a b'), fc.integer(), fc.constant(null), fc.tuple(fc.constantFrom('Ġ', 'a'), fc.constantFrom('t', 'b')), fc.array(fc.integer(), { maxLength: 3 }));
    const added = fc.record({ id: fc.oneof(fc.integer({ min: -2, max: 300 }), fc.constant('3')), content: fc.oneof(fc.constantFrom('<s>', '</s>'), fc.integer()) });
    fc.assert(
      fc.property(fc.array(merge, { maxLength: 4 }), fc.array(added, { maxLength: 2 }), fc.constantFrom('BPE', 'WordPiece', undefined), (merges, addedTokens, type) => {
        const json = { added_tokens: addedTokens, pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true }, decoder: { type: 'ByteLevel' }, model: { type, vocab: baseVocab, merges } };
        const tokenizer = acceptOrRefuse(/tokenizer\.json/, () => OptTokenizer.fromFiles({ tokenizerJson: json }, { vocabSize: 300 }));
        if (tokenizer) for (const token of tokenizer.encode('at bat')) expect(token).toBeLessThan(300);
      }),
      { ...RUNS, numRuns: 150 },
    );
  });

  it('ids beyond vocab_size, an empty vocabulary and non-string merges are refused by name', () => {
    expect(() => OptTokenizer.fromFiles({ vocabJson: { ...baseVocab, big: 999 }, mergesTxt: '' }, { vocabSize: 300 })).toThrow(/vocab.json: the entry "big" has id 999/);
    expect(() => OptTokenizer.fromFiles({ vocabJson: {}, mergesTxt: '' }, { vocabSize: 300 })).toThrow(/vocab.json: the vocabulary is empty/);
    const json = { model: { type: 'BPE', vocab: baseVocab, merges: [42] } };
    expect(() => OptTokenizer.fromFiles({ tokenizerJson: json })).toThrow(/tokenizer.json: merge 1 is 42/);
  });

  it('a vocabulary of 150 k entries loads (no spread of all ids onto the call stack)', () => {
    const vocab = { ...baseVocab };
    for (let i = 0; i < 150_000; i++) vocab[`w${i}`] = 260 + i;
    const tokenizer = OptTokenizer.fromFiles({ vocabJson: vocab, mergesTxt: '' }, { vocabSize: 150_260 });
    expect(tokenizer.vocabSize).toBe(150_260);
  });
});

describe('model.safetensors.index.json', () => {
  it('accepts only shard names inside the folder, or refuses with an InputError naming the index and field', () => {
    const name = fc.oneof(
      fc.constantFrom('model-00001-of-00002.safetensors', 'sub/model.safetensors', '../model.safetensors', '/etc/model.safetensors', 'https://evil.example/m.safetensors', './m.safetensors', 'a/../../b.safetensors', '%2e%2e/m.safetensors', 'm.bin'),
      fc.string({ maxLength: 12 }),
      fc.integer(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 2 }),
    );
    const index = fc.oneof(
      fc.record({ weight_map: fc.dictionary(fc.string({ maxLength: 6 }), name, { maxKeys: 4 }), metadata: fc.oneof(fc.constant(undefined), fc.record({ total_size: fc.oneof(fc.nat(), fc.constant(-1), fc.string()) })) }),
      fc.anything(),
    );
    fc.assert(
      fc.property(index, (json) => {
        const parsed = acceptOrRefuse(/^model\.safetensors\.index\.json/, () => parseShardIndex(json));
        if (!parsed) return;
        expect(parsed.shards.length).toBeGreaterThan(0);
        for (const shard of parsed.shards) {
          expect(shard.endsWith('.safetensors')).toBe(true);
          expect(shard.split('/').some((segment) => segment === '..' || segment === '.' || segment === '')).toBe(false);
          expect(shard).not.toMatch(/[:%\\]/);
        }
      }),
      RUNS,
    );
  });

  it('names the field of a non-string shard and of an escaping one', () => {
    expect(() => parseShardIndex({ weight_map: { 'a.weight': 7 } })).toThrow(/model.safetensors.index.json: weight_map\["a.weight"\] must be a shard file name, got 7/);
    expect(() => parseShardIndex({ weight_map: { 'a.weight': '../x.safetensors' } })).toThrow(/weight_map\["a.weight"\] names the shard "..\/x.safetensors", which is not a file in the model's folder/);
  });
});
