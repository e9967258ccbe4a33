import { InputError } from '../errors.ts';
import { muscleNames, readTable, strictNumber } from './emgTable.ts';
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
  // The table from the "Frame #" row on; `.exp` rows end with a tab, which is no extra column.
  const { rows } = readTable(lines.slice(headerIndex).join('\n'), { fileName, delimiter: '\t', firstRow: headerIndex + 1 });
  const [header, ...body] = rows.map(({ cells, row }) => ({ cells: dropTrailingEmpty(cells), row }));
  const muscles = muscleNames(header.cells.slice(1), { fileName, headerName: '"Frame #" row' });
  if (muscles.length === 0) throw new InputError(`${fileName}: the "Frame #" row names no muscles`);
  const samples = body.length;

  const data = new Float32Array(muscles.length * samples);
  body.forEach(({ cells, row }, j) => {
    if (cells.length !== muscles.length + 1) {
      throw new InputError(
        `${fileName}, row ${row}: ${cells.length} cells, expected ${muscles.length + 1} (frame + ${muscles.length} muscles)`,
        `the row starts "${cells.slice(0, 4).join('\t').slice(0, 60)}"`,
      );
    }
    for (let m = 0; m < muscles.length; m++) data[m * samples + j] = strictNumber(cells[m + 1], { fileName, row, column: muscles[m] });
  });
  if (samples < 2) throw new InputError(`${fileName}: ${samples} data row${samples === 1 ? '' : 's'} after the "Frame #" header, at least 2 are needed`);
  return { name: fileName, sampleRateHz, muscles, samples, data };
}

function dropTrailingEmpty(cells: string[]): string[] {
  return cells.length > 1 && cells[cells.length - 1].trim() === '' ? cells.slice(0, -1) : cells;
}

function measurementRate(headerLines: string[], fileName: string): number {
  const line = headerLines.find((l) => /\/\/\s*Measurement rate/i.test(l));
  if (!line) throw new InputError(`${fileName}: no "Measurement rate" header line`, 'expected a line such as "1000.000<TAB>// Measurement rate"');
  const text = line.split('//')[0].trim();
  const value = /^\+?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(Number.isFinite(value) && value > 0)) throw new InputError(`${fileName}: the measurement rate "${text.slice(0, 40)}" is not a positive number`, 'expected a line such as "1000.000<TAB>// Measurement rate"');
  return value;
}
