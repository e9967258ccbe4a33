import { InputError } from '../errors.ts';

/**
 * A user's data set (`--data F.json`): {"x": [[…]], "y": […], "xTest": [[…]], "yTest": […]}, every
 * row of x and xTest of the same length d ≥ 2, yTest noise-free where known. Rows are used as given
 * (the kernel works for any bounded x); a zero row is refused because its angle is undefined.
 */
export interface NtkData {
  d: number;
  x: Float64Array; // [n, d]
  y: Float64Array; // [n]
  xTest: Float64Array; // [nTest, d]
  yTest: Float64Array; // [nTest]
}

function matrix(value: unknown, field: string, source: string, d?: number): { values: Float64Array; d: number } {
  if (!Array.isArray(value) || value.length === 0) throw new InputError(`${source}: "${field}" must be a non-empty array of rows`, `got ${describe(value)}`);
  const width = d ?? (Array.isArray(value[0]) ? value[0].length : 0);
  if (width < 2) throw new InputError(`${source}: "${field}" rows must be arrays of at least 2 numbers`, `row 0 is ${describe(value[0])}`);
  const values = new Float64Array(value.length * width);
  value.forEach((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== width) throw new InputError(`${source}: "${field}[${i}]" must be an array of ${width} numbers`, `got ${describe(row)}`);
    let norm = 0;
    row.forEach((entry: unknown, k) => {
      if (typeof entry !== 'number' || !Number.isFinite(entry)) throw new InputError(`${source}: "${field}[${i}][${k}]" must be a finite number`, `got ${describe(entry)}`);
      values[i * width + k] = entry;
      norm += entry * entry;
    });
    if (norm === 0) throw new InputError(`${source}: "${field}[${i}]" is the zero vector`, 'the NTK needs the angle between points; use points on the unit sphere');
  });
  return { values, d: width };
}

function vector(value: unknown, field: string, source: string, length: number, rowsField: string): Float64Array {
  if (!Array.isArray(value)) throw new InputError(`${source}: "${field}" must be an array of numbers`, `got ${describe(value)}`);
  if (value.length !== length) throw new InputError(`${source}: "${field}" has ${value.length} entries but "${rowsField}" has ${length} rows`);
  return Float64Array.from(value, (entry: unknown, i) => {
    if (typeof entry !== 'number' || !Number.isFinite(entry)) throw new InputError(`${source}: "${field}[${i}]" must be a finite number`, `got ${describe(entry)}`);
    return entry;
  });
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

export function parseNtkData(text: string, source = 'data'): NtkData {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${source} is not valid JSON`, (error as Error).message);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new InputError(`${source} must be a JSON object with fields x, y, xTest, yTest`);
  const record = json as Record<string, unknown>;
  for (const field of ['x', 'y', 'xTest', 'yTest']) if (!(field in record)) throw new InputError(`${source}: missing field "${field}"`, 'expected {"x": [[…]], "y": […], "xTest": [[…]], "yTest": […]}');
  const x = matrix(record.x, 'x', source);
  const xTest = matrix(record.xTest, 'xTest', source, x.d);
  return {
    d: x.d,
    x: x.values,
    y: vector(record.y, 'y', source, x.values.length / x.d, 'x'),
    xTest: xTest.values,
    yTest: vector(record.yTest, 'yTest', source, xTest.values.length / x.d, 'xTest'),
  };
}
