import Papa from 'papaparse';
import { InputError } from '../errors.ts';

/**
 * The table part of an EMG file (CSV, or the rows after an `.exp` header), read with papaparse so that
 * quoting follows RFC 4180 (a quoted cell may hold the separator), and every cell checked as a plain
 * decimal number. Rows are numbered as the file's records, 1 being the header row.
 */

/** A plain decimal: optional sign, digits with an optional fraction, optional exponent. No hex, no "1e", no "Infinity". */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The cell as a finite number, or an InputError naming the file, row and column. */
export function strictNumber(cell: string, where: { fileName: string; row: number; column: string }): number {
  const text = cell.trim();
  const place = `${where.fileName}, row ${where.row}, column ${where.column}`;
  if (text === '') throw new InputError(`${place}: the cell is empty`, 'every cell must be a number; fill or drop gaps before importing');
  const value = DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value)) {
    throw new InputError(
      `${place}: "${text.slice(0, 40)}" is not a finite decimal number`,
      'cells must be plain decimals such as 12, -0.5 or 1.2e-3; hex, NaN, Infinity and text are rejected',
    );
  }
  return value;
}

export interface TableRows {
  /** Records, each with its 1-based row number in the file's table (header = row 1). */
  rows: { cells: string[]; row: number }[];
  delimiter: string;
}

/**
 * Parses `text` into records, skipping blank ones. `delimiter` fixes the separator; without it, the
 * one of `,` `;` tab that splits the rows consistently (papaparse's guess).
 */
export function readTable(text: string, options: { fileName: string; delimiter?: string; firstRow?: number }): TableRows {
  const { fileName, firstRow = 1 } = options;
  const parsed = Papa.parse<string[]>(text, {
    delimiter: options.delimiter ?? '',
    delimitersToGuess: [',', ';', '\t'],
    skipEmptyLines: false,
  });
  const quoteError = parsed.errors.find((error) => error.type === 'Quotes');
  if (quoteError) {
    throw new InputError(
      `${fileName}, row ${(quoteError.row ?? 0) + firstRow}: ${quoteError.message.toLowerCase()}`,
      'a cell that holds a separator or a quote must be quoted, with inner quotes doubled ("")',
    );
  }
  const rows: TableRows['rows'] = [];
  parsed.data.forEach((cells, index) => {
    if (cells.length === 1 && cells[0].trim() === '') return;
    rows.push({ cells, row: index + firstRow });
  });
  return { rows, delimiter: parsed.meta.delimiter };
}

/**
 * Muscle names from a header's cells: each non-empty and unique (case-insensitively, as muscles are
 * chosen by name), checked in one pass.
 */
export function muscleNames(cells: readonly string[], where: { fileName: string; headerName: string }): string[] {
  const names = cells.map((cell) => cell.trim());
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    if (name === '') throw new InputError(`${where.fileName}: column ${i + 2} of the ${where.headerName} has no muscle name`);
    const key = name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) throw new InputError(`${where.fileName}: columns ${first + 2} and ${i + 2} of the ${where.headerName} are both called "${name}"`, 'muscles are chosen by name, so each must be unique');
    seen.set(key, i);
  });
  return names;
}
