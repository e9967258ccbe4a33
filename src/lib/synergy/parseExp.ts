import { InputError } from '../errors.ts';
import type { EmgRecording } from './recording.ts';

/**
 * Motion Analysis (EVaRT/Cortex) `.exp` ASCII export, as in the Seth et al. (2019) shoulder data:
 * header lines `value<TAB>// label` (one of them `1000.000 // Measurement rate`), a blank line, a
 * tab-separated header `Frame #<TAB>AD<TAB>MD…` and one row per frame (a trailing tab is allowed).
 */
export function parseExp(text: string, fileName = 'file.exp'): EmgRecording {
  const lines = text.split(/\r?\n/);
  const headerIndex = lines.findIndex((line) => /^\s*Frame\s*#/i.test(line));
  if (headerIndex < 0) {
    throw new InputError(
      `${fileName}: not an .exp EMG export (no "Frame #" header row)`,
      'expected header lines such as "1000.000<TAB>// Measurement rate", then a row "Frame #<TAB>AD<TAB>MD…"',
    );
  }
  const sampleRateHz = measurementRate(lines.slice(0, headerIndex), fileName);
  const muscles = splitRow(lines[headerIndex]).slice(1);
  if (muscles.length === 0) throw new InputError(`${fileName}: the "Frame #" row names no muscles`);
  const empty = muscles.findIndex((name) => name === '');
  if (empty >= 0) throw new InputError(`${fileName}: column ${empty + 2} of the "Frame #" row has no muscle name`);

  const rows: number[][] = [];
  for (let index = headerIndex + 1; index < lines.length; index++) {
    const line = lines[index];
    if (line.trim() === '') continue;
    const cells = splitRow(line);
    const lineNumber = index + 1;
    if (cells.length !== muscles.length + 1) {
      throw new InputError(
        `${fileName}, line ${lineNumber}: ${cells.length} columns, expected ${muscles.length + 1} (frame + ${muscles.length} muscles)`,
        `the row starts "${line.slice(0, 60)}"`,
      );
    }
    const values = cells.slice(1).map((cell, column) => {
      const value = cell === '' ? Number.NaN : Number(cell);
      if (!Number.isFinite(value)) {
        throw new InputError(
          `${fileName}, line ${lineNumber}: ${muscles[column]} is "${cell}", not a finite number`,
          'every EMG value must be a number; NaN, empty cells and text are rejected',
        );
      }
      return value;
    });
    rows.push(values);
  }
  if (rows.length < 2) throw new InputError(`${fileName}: fewer than 2 data rows after the "Frame #" header`);

  const samples = rows.length;
  const data = new Float32Array(muscles.length * samples);
  rows.forEach((values, j) => values.forEach((value, row) => (data[row * samples + j] = value)));
  return { name: fileName, sampleRateHz, muscles, samples, data };
}

function splitRow(line: string): string[] {
  return line.replace(/[\t ]+$/, '').split('\t').map((cell) => cell.trim());
}

function measurementRate(headerLines: string[], fileName: string): number {
  const line = headerLines.find((l) => /\/\/\s*Measurement rate/i.test(l));
  if (!line) throw new InputError(`${fileName}: no "Measurement rate" header line`, 'expected a line such as "1000.000<TAB>// Measurement rate"');
  const value = Number(line.split('//')[0].trim());
  if (!Number.isFinite(value) || value <= 0) throw new InputError(`${fileName}: the measurement rate "${line.split('//')[0].trim()}" is not a positive number`);
  return value;
}
