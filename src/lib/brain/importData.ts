import { parse as parseNpy } from 'npyjs';
import Papa from 'papaparse';
import { InputError } from '../errors.ts';
import type { BrainDataset } from './dataset.ts';
import type { Sheet } from './sheet.ts';

/**
 * Real data: one response matrix per subject ([stimuli, voxels], `.npy` via npyjs or CSV) and one
 * stimulus-feature matrix ([stimuli, d]); row i of every file is the same stimulus. Every problem gets
 * an InputError naming the file and what was expected.
 */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array; // [rows, cols], row-major
}

export interface NamedFile {
  name: string;
  bytes: Uint8Array;
}

const NUMERIC = /^(?:[iuf][1248]|f2)$/;

function checkFinite(matrix: Matrix, name: string): Matrix {
  for (let i = 0; i < matrix.data.length; i++) {
    if (!Number.isFinite(matrix.data[i])) {
      const row = Math.floor(i / matrix.cols);
      throw new InputError(`${name}: value at row ${row + 1}, column ${(i % matrix.cols) + 1} is not a finite number`, `got ${matrix.data[i]}; remove or impute NaN/Inf before importing`);
    }
  }
  return matrix;
}

/** A 2-D numeric `.npy` array (any of npyjs' integer or float dtypes; C or Fortran order) as f32. */
export function parseNpyMatrix(bytes: Uint8Array, name: string): Matrix {
  let array;
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    array = parseNpy(buffer);
  } catch (error) {
    throw new InputError(`${name} is not a readable .npy file`, (error as Error).message);
  }
  if (!NUMERIC.test(array.dtype)) throw new InputError(`${name}: dtype "${array.dtype}" is not a real number type`, 'expected float32/float64 or an integer type');
  if (array.shape.length !== 2) throw new InputError(`${name}: expected a 2-D array [stimuli, voxels or features], got shape [${array.shape.join(', ')}]`);
  const [rows, cols] = array.shape;
  const source = array.data as unknown as ArrayLike<number>;
  if (source.length !== rows * cols) throw new InputError(`${name}: the file holds ${source.length} values, the header promises ${rows} × ${cols}`, 'the file looks truncated');
  const data = new Float32Array(rows * cols);
  if (array.fortranOrder) {
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = Number(source[j * rows + i]);
  } else {
    for (let k = 0; k < data.length; k++) data[k] = Number(source[k]);
  }
  return checkFinite({ rows, cols, data }, name);
}

/** A numeric CSV (comma, semicolon or tab; an optional header row is skipped) as f32. */
export function parseCsvMatrix(text: string, name: string): Matrix {
  const parsed = Papa.parse<string[]>(text.trim(), { skipEmptyLines: true });
  // A one-column file has no delimiter to detect; that is not an error.
  const errors = parsed.errors.filter((e) => e.code !== 'UndetectableDelimiter');
  if (errors.length > 0) throw new InputError(`${name} is not a readable CSV file`, `row ${(errors[0].row ?? 0) + 1}: ${errors[0].message}`);
  let rows = parsed.data;
  if (rows.length > 0 && rows[0].some((cell) => cell.trim() !== '' && !Number.isFinite(Number(cell)))) rows = rows.slice(1);
  if (rows.length === 0) throw new InputError(`${name} has no data rows`);
  const cols = rows[0].length;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((row, i) => {
    if (row.length !== cols) throw new InputError(`${name}: row ${i + 1} has ${row.length} columns, the first row has ${cols}`);
    row.forEach((cell, j) => {
      const value = cell.trim() === '' ? Number.NaN : Number(cell);
      if (!Number.isFinite(value)) throw new InputError(`${name}: value at row ${i + 1}, column ${j + 1} is not a finite number`, `got "${cell}"`);
      data[i * cols + j] = value;
    });
  });
  return { rows: rows.length, cols, data };
}

/** By extension: `.npy` → npyjs, `.csv`/`.tsv`/`.txt` → CSV. */
export function parseMatrixFile(file: NamedFile): Matrix {
  const lower = file.name.toLowerCase();
  if (lower.endsWith('.npy')) return parseNpyMatrix(file.bytes, file.name);
  if (lower.endsWith('.csv') || lower.endsWith('.tsv') || lower.endsWith('.txt')) return parseCsvMatrix(new TextDecoder().decode(file.bytes), file.name);
  throw new InputError(`${file.name}: unknown file type`, 'expected a .npy or .csv file');
}

/**
 * Builds a dataset from a features file and per-subject response files. `sheet` (width × height = V)
 * gives the voxels a 2-D layout for the CNN and Transformer; without it they see a 1 × V strip.
 */
export function importDataset(options: { features: NamedFile; subjects: NamedFile[]; sheet?: Sheet }): BrainDataset {
  const features = parseMatrixFile(options.features);
  if (features.cols < 2) throw new InputError(`${options.features.name}: features need at least 2 columns, got ${features.cols}`);
  if (options.subjects.length < 2) throw new InputError(`give at least 2 subjects' response files (training and held-out), got ${options.subjects.length}`);
  const matrices = options.subjects.map(parseMatrixFile);
  const voxels = matrices[0].cols;
  matrices.forEach((m, s) => {
    const name = options.subjects[s].name;
    if (m.rows !== features.rows) throw new InputError(`${name}: ${m.rows} stimuli (rows), but ${options.features.name} has ${features.rows}`, 'row i of every file must be the same stimulus');
    if (m.cols !== voxels) throw new InputError(`${name}: ${m.cols} voxels (columns), but ${options.subjects[0].name} has ${voxels}`, 'uniform processing needs the same voxel grid for every subject');
  });
  const sheet = options.sheet ?? { width: voxels, height: 1 };
  if (sheet.width * sheet.height !== voxels) throw new InputError(`the sheet ${sheet.width} × ${sheet.height} does not hold the ${voxels} voxels of the response files`);
  return {
    nStimuli: features.rows,
    voxels,
    sheet,
    featureDim: features.cols,
    features: features.data,
    subjects: matrices.map((m, s) => ({ id: options.subjects[s].name.replace(/\.[^.]+$/, ''), responses: m.data })),
  };
}
