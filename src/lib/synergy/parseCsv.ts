import { InputError } from '../errors.ts';
import type { EmgRecording } from './recording.ts';

/**
 * EMG or envelope CSV: a header row, a first column of time in seconds, then one column per muscle.
 * Commas, semicolons or tabs separate cells (whichever the header uses). The sample rate comes from
 * the time column, which must increase at an even step (within 1 %).
 */
export function parseCsv(text: string, fileName = 'file.csv'): EmgRecording {
  const lines = text.split(/\r?\n/).map((line, index) => ({ line, number: index + 1 })).filter(({ line }) => line.trim() !== '');
  if (lines.length === 0) throw new InputError(`${fileName}: the file is empty`);
  const separator = [',', ';', '\t'].find((s) => lines[0].line.includes(s));
  if (!separator) {
    throw new InputError(`${fileName}: the header row has a single column`, 'expected "time,AD,MD,…": a time column in seconds, then one column per muscle');
  }
  const header = lines[0].line.split(separator).map(unquote);
  const muscles = header.slice(1);
  if (muscles.length === 0) throw new InputError(`${fileName}: no muscle columns after the time column`);
  const unnamed = muscles.findIndex((name) => name === '');
  if (unnamed >= 0) throw new InputError(`${fileName}: column ${unnamed + 2} of the header has no muscle name`);
  if (/^-?\d/.test(header[0])) throw new InputError(`${fileName}: the first row is data, not a header`, 'add a header row: time,AD,MD,…');

  const samples = lines.length - 1;
  if (samples < 2) throw new InputError(`${fileName}: fewer than 2 data rows`);
  const time = new Float64Array(samples);
  const data = new Float32Array(muscles.length * samples);
  for (let j = 0; j < samples; j++) {
    const { line, number } = lines[j + 1];
    const cells = line.split(separator).map(unquote);
    if (cells.length !== header.length) {
      throw new InputError(
        `${fileName}, line ${number}: ${cells.length} columns, expected ${header.length} (${header.join(', ')})`,
        cells.length < header.length ? `missing column ${header[cells.length]}` : 'more cells than header names',
      );
    }
    cells.forEach((cell, column) => {
      const value = cell === '' ? Number.NaN : Number(cell);
      if (!Number.isFinite(value)) {
        throw new InputError(
          `${fileName}, line ${number}: ${header[column]} is "${cell}", not a finite number`,
          'every cell must be a number; NaN, empty cells and text are rejected',
        );
      }
      if (column === 0) time[j] = value;
      else data[(column - 1) * samples + j] = value;
    });
  }
  return { name: fileName, sampleRateHz: sampleRateFrom(time, fileName, header[0]), muscles, samples, data };
}

function unquote(cell: string): string {
  const trimmed = cell.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1).replaceAll('""', '"') : trimmed;
}

function sampleRateFrom(time: Float64Array, fileName: string, column: string): number {
  const stepS = (time[time.length - 1] - time[0]) / (time.length - 1);
  if (!(stepS > 0)) throw new InputError(`${fileName}: the time column "${column}" does not increase`, 'the first column must be time in seconds');
  for (let j = 1; j < time.length; j++) {
    const step = time[j] - time[j - 1];
    if (Math.abs(step - stepS) > 0.01 * stepS) {
      throw new InputError(
        `${fileName}: uneven time step at row ${j + 1} (${step.toPrecision(4)} s, mean ${stepS.toPrecision(4)} s)`,
        'samples must be evenly spaced; resample the data first',
      );
    }
  }
  return 1 / stepS;
}
