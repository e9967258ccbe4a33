import { InputError } from '../errors.ts';
import { muscleNames, readTable, strictNumber } from './emgTable.ts';
import { listNames, type EmgRecording } from './recording.ts';

/**
 * EMG or envelope CSV: a header row, a first column of time in seconds, then one column per muscle.
 * Commas, semicolons or tabs separate cells (whichever splits the rows consistently); a quoted cell
 * may hold the separator (RFC 4180). Every cell is a plain decimal number. The sample rate comes from
 * the time column, which must increase at an even step (within 1 %).
 */
export function parseCsv(text: string, fileName = 'file.csv'): EmgRecording {
  const { rows } = readTable(text, { fileName });
  if (rows.length === 0) throw new InputError(`${fileName}: the file is empty`);
  const header = rows[0].cells.map((cell) => cell.trim());
  if (header.length < 2) {
    throw new InputError(`${fileName}: the header row has a single column`, 'expected "time,AD,MD,…": a time column in seconds, then one column per muscle');
  }
  if (/^[+-]?\.?\d/.test(header[0])) throw new InputError(`${fileName}: the first row is data, not a header`, 'add a header row: time,AD,MD,…');
  const muscles = muscleNames(header.slice(1), { fileName, headerName: 'header' });

  const samples = rows.length - 1;
  if (samples < 2) throw new InputError(`${fileName}: ${samples} data row${samples === 1 ? '' : 's'}, at least 2 are needed`);
  const time = new Float64Array(samples);
  const data = new Float32Array(muscles.length * samples);
  for (let j = 0; j < samples; j++) {
    const { cells, row } = rows[j + 1];
    if (cells.length !== header.length) {
      throw new InputError(
        `${fileName}, row ${row}: ${cells.length} cells, expected ${header.length} (${listNames(header)})`,
        cells.length < header.length ? `no cell for column ${header[cells.length]}` : 'more cells than header names',
      );
    }
    time[j] = strictNumber(cells[0], { fileName, row, column: header[0] });
    for (let column = 1; column < cells.length; column++) {
      data[(column - 1) * samples + j] = strictNumber(cells[column], { fileName, row, column: header[column] });
    }
  }
  return { name: fileName, sampleRateHz: sampleRateFrom(time, fileName, header[0]), muscles, samples, data };
}

function sampleRateFrom(time: Float64Array, fileName: string, column: string): number {
  const stepS = (time[time.length - 1] - time[0]) / (time.length - 1);
  if (!(stepS > 0)) throw new InputError(`${fileName}: the time column "${column}" does not increase`, 'the first column must be time in seconds');
  for (let j = 1; j < time.length; j++) {
    const step = time[j] - time[j - 1];
    if (!(Math.abs(step - stepS) <= 0.01 * stepS)) {
      throw new InputError(
        `${fileName}: uneven time step at row ${j + 2} (${step.toPrecision(4)} s, mean ${stepS.toPrecision(4)} s)`,
        'samples must be evenly spaced; resample the data first',
      );
    }
  }
  const rateHz = 1 / stepS;
  if (!Number.isFinite(rateHz)) throw new InputError(`${fileName}: the time step ${stepS} s of column "${column}" is too small`);
  return rateHz;
}
