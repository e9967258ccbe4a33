import { describe, expect, it } from 'vitest';
import { configToJson, parseOptConfig, valueHeadOffsets } from '../../src/lib/opt/config.ts';
import { floatToBfloat16, floatToHalf, halfToFloat, parseSafetensors, readTensorF32, writeSafetensors } from '../../src/lib/opt/safetensors.ts';
import { loadModelFiles } from '../../src/lib/opt/sources/loadModel.ts';
import { LocalFiles } from '../../src/lib/opt/sources/modelFiles.ts';
import { BYTE_TO_CHAR } from '../../src/lib/opt/tokenizer/byteLevel.ts';
import { OptTokenizer } from '../../src/lib/opt/tokenizer/tokenizer.ts';
import { buildTokenizerJson, formatMergesTxt } from '../../src/lib/opt/tokenizer/tokenizerJson.ts';
import { trainByteLevelBpe } from '../../src/lib/opt/tokenizer/trainBpe.ts';
import { expectedTensors, loadOptWeights, locateTensors, weightsToTensors } from '../../src/lib/opt/weights.ts';
import { variant } from '../helpers/optModels.ts';
import { randomOptWeights } from '../../src/lib/opt/randomWeights.ts';
import { Rng } from '../../src/lib/util/random.ts';

const SPECIALS = ['<s>', '<pad>', '</s>', '<unk>'];

describe('config.json', () => {
  it('reads the OPT fields with HF defaults and derives per-layer widths', () => {
    const config = parseOptConfig({ model_type: 'opt', hidden_size: 16, num_attention_heads: 4, num_hidden_layers: 2, ffn_dim: 32, vocab_size: 50 });
    expect(config.headDim).toBe(4);
    expect(config.ffnDims).toEqual([32, 32]);
    expect(config.vHeadDims).toEqual([[4, 4, 4, 4], [4, 4, 4, 4]]);
    expect(config.wordEmbedProjDim).toBe(16);
    expect([config.doLayerNormBefore, config.enableBias, config.layerNormAffine, config.bosTokenId]).toEqual([true, true, true, 2]);
  });

  it('reads pruned widths, checks v_dims, and writes them back', () => {
    const raw = { hidden_size: 8, num_attention_heads: 2, num_hidden_layers: 2, ffn_dim: 10, ffn_dims: [3, 0], v_head_dims: [[4, 0], [1, 2]], v_dims: [4, 3] };
    const config = parseOptConfig(raw);
    expect(valueHeadOffsets(config, 1)).toEqual([0, 1, 3]);
    expect(parseOptConfig(configToJson(config))).toEqual(config);
    expect(() => parseOptConfig({ ...raw, v_dims: [4, 4] })).toThrow(/v_dims\[1\] is 4 but v_head_dims\[1\] sums to 3/);
    expect(() => parseOptConfig({ ...raw, v_head_dims: [[5, 0], [1, 2]] })).toThrow(/v_head_dims/);
    expect(() => parseOptConfig({ ...raw, ffn_dims: [3] })).toThrow(/ffn_dims/);
  });

  it('rejects what it cannot run, naming the field', () => {
    expect(() => parseOptConfig({ model_type: 'gpt2' })).toThrow(/model_type is "gpt2"/);
    expect(() => parseOptConfig({ activation_function: 'gelu' })).toThrow(/activation_function/);
    expect(() => parseOptConfig({ hidden_size: 10, num_attention_heads: 3 })).toThrow(/not divisible/);
    expect(() => parseOptConfig([])).toThrow(/not a JSON object/);
  });
});

describe('safetensors', () => {
  const values = Float32Array.from([0, 1, -2.5, 65504, 1e-7, -0.333251953125, 3.140625]);

  it('round-trips F32, and widens F16 and BF16 to float32', () => {
    const bytes = writeSafetensors({
      a: { shape: [7], data: values },
      h: { shape: [7], data: values, dtype: 'F16' },
      b: { shape: [7, 1], data: values, dtype: 'BF16' },
    }, { note: 'x' });
    const file = parseSafetensors(bytes);
    expect(file.metadata.note).toBe('x');
    expect([...readTensorF32(file, file.tensors.get('a')!)]).toEqual([...values]);
    const half = readTensorF32(file, file.tensors.get('h')!);
    values.forEach((v, i) => expect(half[i]).toBeCloseTo(halfToFloat(floatToHalf(v)), 12));
    expect(half[3]).toBe(65504);
    expect(half[5]).toBe(-0.333251953125);
    const bf = readTensorF32(file, file.tensors.get('b')!);
    expect(bf[6]).toBe(3.140625);
    expect(Math.abs(bf[5] - values[5])).toBeLessThan(2e-3);
    expect(file.tensors.get('b')!.shape).toEqual([7, 1]);
  });

  it('converts half-precision edge cases', () => {
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(Number.isNaN(halfToFloat(0x7e00))).toBe(true);
    expect(floatToHalf(1e6)).toBe(0x7c00);
    expect(floatToBfloat16(1)).toBe(0x3f80);
  });

  it('explains truncated, foreign and unknown-dtype files', () => {
    const good = writeSafetensors({ a: { shape: [4], data: Float32Array.from([1, 2, 3, 4]) } });
    expect(() => parseSafetensors(good.subarray(0, good.length - 3), 'm.safetensors')).toThrow(/tensor a ends at byte .* \(truncated download\?\)/);
    expect(() => parseSafetensors(good.subarray(0, 20), 'm.safetensors')).toThrow(/truncated/);
    expect(() => parseSafetensors(new TextEncoder().encode('PK\u0003\u0004 this is a zip file'), 'pytorch_model.bin')).toThrow(/pytorch_model.bin is not a valid safetensors file/);
    expect(() => parseSafetensors(new Uint8Array(3))).toThrow(/only 3 bytes/);
    const header = new TextEncoder().encode(JSON.stringify({ w: { dtype: 'I8', shape: [2], data_offsets: [0, 2] } }));
    const int8 = new Uint8Array(8 + header.length + 2);
    new DataView(int8.buffer).setBigUint64(0, BigInt(header.length), true);
    int8.set(header, 8);
    expect(() => parseSafetensors(int8, 'int8.safetensors')).toThrow(/dtype I8, which this app cannot read/);
  });
});

describe('OPT weights from safetensors', () => {
  const { config, weights } = variant('post-LN with project_in/out (350m-like)');
  const tensors = weightsToTensors(config, weights);

  it('finds tensors with or without the model. prefix, and ties the head to the token embedding', async () => {
    const stripped = Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name.replace(/^model\./, ''), t]));
    const loaded = await loadOptWeights(config, [parseSafetensors(writeSafetensors(stripped))]);
    expect([...loaded.projectIn!]).toEqual([...weights.projectIn!]);
    expect([...loaded.layers[1].fc2.weight]).toEqual([...weights.layers[1].fc2.weight]);
    // No lm_head.weight is stored: the head is embed_tokens itself.
    expect(Object.keys(tensors).some((name) => name.includes('lm_head'))).toBe(false);
    expect(expectedTensors(config).some((t) => t.name === 'final_layer_norm.weight')).toBe(false);
  });

  it('reports a tensor whose shape disagrees with config.json, and missing tensors', () => {
    const wrong = { ...tensors, 'model.decoder.layers.0.fc1.weight': { shape: [35, 24], data: new Float32Array(35 * 24) } };
    expect(() => locateTensors(config, [parseSafetensors(writeSafetensors(wrong))])).toThrow(/layers.0.fc1.weight has shape \[35,24\] but config.json implies \[36,24\]/);
    const missing = { ...tensors };
    delete (missing as Record<string, unknown>)['model.decoder.layers.1.fc2.bias'];
    expect(() => locateTensors(config, [parseSafetensors(writeSafetensors(missing))])).toThrow(/lacks 1 tensor/);
  });

  it('loads a sharded checkpoint through model.safetensors.index.json', async () => {
    // The tokenizer's 270 ids must fit the embedding: a config with vocab_size 270.
    const config = parseOptConfig({ vocab_size: 270, hidden_size: 8, num_attention_heads: 2, ffn_dim: 12, num_hidden_layers: 2, max_position_embeddings: 16 });
    const weights = randomOptWeights(config, new Rng(5));
    const tensors = weightsToTensors(config, weights);
    const names = Object.keys(tensors);
    const half = Math.floor(names.length / 2);
    const shard = (part: string[]) => writeSafetensors(Object.fromEntries(part.map((n) => [n, tensors[n]])));
    const index = { metadata: {}, weight_map: Object.fromEntries(names.map((n, i) => [n, i < half ? 'model-00001-of-00002.safetensors' : 'model-00002-of-00002.safetensors'])) };
    const bpe = trainByteLevelBpe({ texts: ['the cat sat on the mat'], vocabSize: 270, specialTokens: SPECIALS });
    const files = new LocalFiles([
      { name: 'folder/config.json', blob: new Blob([JSON.stringify(configToJson(config))]) },
      { name: 'folder/vocab.json', blob: new Blob([JSON.stringify(bpe.vocab)]) },
      { name: 'folder/merges.txt', blob: new Blob([formatMergesTxt(bpe.merges)]) },
      { name: 'folder/model.safetensors.index.json', blob: new Blob([JSON.stringify(index)]) },
      { name: 'folder/model-00001-of-00002.safetensors', blob: new Blob([shard(names.slice(0, half)) as BlobPart]) },
      { name: 'folder/model-00002-of-00002.safetensors', blob: new Blob([shard(names.slice(half)) as BlobPart]) },
    ]);
    const loaded = await loadModelFiles(files);
    expect(loaded.weights).toHaveLength(2);
    const read = await loadOptWeights(loaded.config, loaded.weights);
    expect([...read.embedTokens]).toEqual([...weights.embedTokens]);
    expect(loaded.tokenizer!.encode('the cat')[0]).toBe(2);
  });

  it('names the missing tokenizer, config or weights', async () => {
    const config0 = { name: 'config.json', blob: new Blob([JSON.stringify(configToJson({ ...config, vocabSize: 270 }))]) };
    await expect(loadModelFiles(new LocalFiles([config0]))).rejects.toThrow(/tokenizer files are missing/);
    await expect(loadModelFiles(new LocalFiles([]))).rejects.toThrow(/No config.json/);
    const tokenizer = { name: 'tokenizer.json', blob: new Blob([JSON.stringify(buildTokenizerJson({ ...trainByteLevelBpe({ texts: ['ab'], vocabSize: 261, specialTokens: SPECIALS }), specialTokens: SPECIALS, bosToken: '</s>' }))]) };
    await expect(loadModelFiles(new LocalFiles([config0, tokenizer]))).rejects.toThrow(/No model.safetensors/);
  });
});

describe('the OPT tokenizer (byte-level BPE through @huggingface/tokenizers)', () => {
  // A hand-made vocabulary: specials 0–3, the 256 byte symbols at 4–259, then three merges.
  const vocab: Record<string, number> = {};
  SPECIALS.forEach((token, id) => (vocab[token] = id));
  BYTE_TO_CHAR.forEach((char, byte) => (vocab[char] = 4 + byte));
  const merges = ['Ġ t', 'h e', 'Ġt he'];
  merges.forEach((merge, i) => (vocab[merge.replace(' ', '')] = 260 + i));

  it('gives known ids and prepends </s>, from vocab.json + merges.txt and from tokenizer.json alike', () => {
    const fromPair = OptTokenizer.fromFiles({ vocabJson: vocab, mergesTxt: formatMergesTxt(merges) });
    const fromJson = OptTokenizer.fromFiles({ tokenizerJson: buildTokenizerJson({ vocab, merges, specialTokens: SPECIALS, bosToken: '</s>' }) });
    // " the cat": "Ġthe" merges to 262; "Ġ" (space, byte 32) is 36, c = 103, a = 101, t = 120.
    for (const tokenizer of [fromPair, fromJson]) {
      expect([...tokenizer.encode(' the cat')]).toEqual([2, 262, 36, 103, 101, 120]);
      expect([...tokenizer.encode(' the', { addBos: false })]).toEqual([262]);
      expect(tokenizer.tokenText(262)).toBe('Ġthe');
    }
  });

  it('round-trips text with Unicode, newlines, repeated spaces and special tokens', () => {
    const bpe = trainByteLevelBpe({ texts: ['The café served crème brûlée. The cat — 😀 — sat.\n\n  Indented  text <unk> here'], vocabSize: 300, specialTokens: SPECIALS });
    const tokenizer = OptTokenizer.fromFiles({ tokenizerJson: buildTokenizerJson({ ...bpe, specialTokens: SPECIALS, bosToken: '</s>' }) });
    for (const text of ['The café served crème brûlée.', ' leading space', 'tabs\tand\n\nnewlines  ', '日本語 😀 mixed', '']) {
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    }
    // <unk> is WikiText's literal placeholder: one token, and decoded back; </s> is dropped unless asked for.
    const withUnk = tokenizer.encode('a <unk> b');
    expect([...withUnk]).toContain(3);
    expect(tokenizer.decode(withUnk)).toBe('a <unk> b');
    expect(tokenizer.decode(withUnk, { skipSpecial: false })).toBe('</s>a <unk> b');
  });

  it('learns merges by frequency, deterministically', () => {
    const a = trainByteLevelBpe({ texts: ['low lower lowest low low'], vocabSize: 265, specialTokens: SPECIALS });
    const b = trainByteLevelBpe({ texts: ['low lower lowest low low'], vocabSize: 265, specialTokens: SPECIALS });
    expect(a).toEqual(b);
    // "low" ×5 ("l o" and "o w" tie at 5: the earlier symbols win), then " l…" ×4.
    expect(a.merges.slice(0, 3)).toEqual(['l o', 'lo w', 'Ġ low']);
    expect(Object.keys(a.vocab)).toHaveLength(265);
  });
});
