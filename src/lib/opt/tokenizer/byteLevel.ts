/**
 * GPT-2's byte-level pre-tokenization, which OPT's tokenizer inherits (Radford et al. 2019, `encoder.py`):
 * text is split by a regex into words (a leading space stays with the word that follows), each word's
 * UTF-8 bytes are mapped to printable characters, and BPE merges work on those characters. The
 * mapping keeps printable ASCII and Latin-1 as themselves and moves the other bytes to U+0100…, so
 * every byte has a visible symbol (a space becomes "Ġ").
 */

/** GPT-2's split pattern: contractions, letters, digits, other symbols, and runs of whitespace. */
export const GPT2_SPLIT_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

function buildByteToChar(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table = new Array<string>(256);
  const kept = new Set(printable);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = String.fromCodePoint(kept.has(b) ? b : 256 + shifted++);
  }
  return table;
}

/** Byte value → its printable stand-in. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

const encoder = new TextEncoder();

/** A word's UTF-8 bytes as byte-level characters ("Ġhello" for " hello"). */
export function toByteLevel(word: string): string {
  let out = '';
  for (const byte of encoder.encode(word)) out += BYTE_TO_CHAR[byte];
  return out;
}

/** Splits text into GPT-2 words (before the byte mapping). */
export function splitWords(text: string): string[] {
  return text.match(GPT2_SPLIT_PATTERN) ?? [];
}
