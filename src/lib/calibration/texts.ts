import { InputError } from '../errors.ts';
import { joinDatasetRows } from '../opt/data/wikitext.ts';
import type { TextSource } from './settings.ts';

/**
 * The shipped text a calibration set may read, and how each becomes a token stream or a prompt pool.
 * The WikiText-2 *test* split is what pruned models are scored on, so it is not in this list: the
 * readers refuse any other path, and tests check that no window shares a long run of tokens with it.
 */
export const CALIBRATION_TEXT_FILES = {
  wikitext2: 'wikitext-2/valid.txt',
  c4: 'c4-sample/c4_sample.jsonl',
} as const;

export type CalibrationTextFile = (typeof CALIBRATION_TEXT_FILES)[keyof typeof CALIBRATION_TEXT_FILES];

/** Reads a shipped file (paths relative to public/datasets/): from disk in Node, by fetch in the browser. */
export interface CalibrationTextReader {
  read(file: CalibrationTextFile): Promise<string>;
}

/** The subset of OptTokenizer that calibration needs. */
export interface CalibrationTokenizer {
  readonly bosId: number;
  readonly vocabSize: number;
  /** `<unk>`'s id, masked in self-generation unless the settings allow it. */
  readonly unkId?: number;
  encode(text: string, options?: { addBos?: boolean }): Int32Array;
  decode(ids: ArrayLike<number>): string;
  specialIds(): number[];
}

export function checkCalibrationFile(file: string): CalibrationTextFile {
  const allowed = Object.values(CALIBRATION_TEXT_FILES) as string[];
  if (!allowed.includes(file)) throw new Error(`calibration text may only come from ${allowed.join(' or ')}, not ${file}`);
  return file as CalibrationTextFile;
}

/** The documents of a C4 JSON-lines file (one `{"text": …}` per line). */
export function c4Documents(jsonl: string, fileName: string = CALIBRATION_TEXT_FILES.c4): string[] {
  const documents: string[] = [];
  jsonl.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new InputError(`${fileName}, line ${index + 1}: not JSON`, 'expected one {"text": "…"} object per line');
    }
    const text = (row as { text?: unknown } | null)?.text;
    if (typeof text !== 'string') throw new InputError(`${fileName}, line ${index + 1}: no "text" string`, 'expected one {"text": "…"} object per line');
    documents.push(text);
  });
  if (documents.length === 0) throw new InputError(`${fileName} holds no documents`);
  return documents;
}

/** WikiText paragraphs: the non-empty lines that are not ` = Heading = ` lines. */
export function wikitextParagraphs(fileText: string): string[] {
  return fileText.split('\n').filter((line) => line.trim() !== '' && !/^\s*=.*=\s*$/.test(line));
}

/** A user's text as a pool: its non-empty lines (paragraphs, in most plain-text files). */
export function textParagraphs(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim() !== '');
}

/** The text a source's token stream is made from: WikiText-2 rows joined as in perplexity, C4 documents by blank lines. */
export async function sourceText(source: TextSource, reader: CalibrationTextReader): Promise<string> {
  switch (source.kind) {
    case 'wikitext2':
      return joinDatasetRows(await reader.read(CALIBRATION_TEXT_FILES.wikitext2));
    case 'c4':
      return c4Documents(await reader.read(CALIBRATION_TEXT_FILES.c4)).join('\n\n');
    case 'text':
      return source.text;
  }
}

/** The texts prompts are taken from. */
export async function poolTexts(source: TextSource, reader: CalibrationTextReader): Promise<string[]> {
  switch (source.kind) {
    case 'wikitext2':
      return wikitextParagraphs(await reader.read(CALIBRATION_TEXT_FILES.wikitext2));
    case 'c4':
      return c4Documents(await reader.read(CALIBRATION_TEXT_FILES.c4));
    case 'text':
      return textParagraphs(source.text);
  }
}

/** A browser reader: fetches from the site's `datasets/` folder. */
export function fetchTextReader(datasetsBaseUrl: string): CalibrationTextReader {
  return {
    async read(file) {
      const url = new URL(checkCalibrationFile(file), datasetsBaseUrl).href;
      const response = await fetch(url);
      if (!response.ok) throw new InputError(`Could not load ${file} (${response.status})`, url);
      return response.text();
    },
  };
}
