import Papa from 'papaparse';
import { InputError } from '../errors.ts';
import type { Facilities, Houses } from './types.ts';

/**
 * Houses and facilities CSVs (header row, comma separated). Every cell is checked: numbers must be
 * finite, coordinates in range, ids unique; an error names the file, 1-based data row and column.
 */
interface Table {
  header: string[];
  rows: string[][];
}

function parseTable(text: string, file: string, required: readonly string[]): Table {
  const parsed = Papa.parse<string[]>(text.trim(), { skipEmptyLines: true });
  if (parsed.errors.length > 0) {
    const error = parsed.errors[0];
    throw new InputError(`${file}: malformed CSV at row ${(error.row ?? 0) + 1}`, error.message);
  }
  const [header, ...rows] = parsed.data;
  if (!header) throw new InputError(`${file}: empty file`, `expected a header with ${required.join(',')}`);
  const names = header.map((name) => name.trim());
  const missing = required.filter((name) => !names.includes(name));
  if (missing.length > 0) throw new InputError(`${file}: missing column ${missing.join(', ')}`, `header is ${names.join(',')}`);
  rows.forEach((row, r) => {
    if (row.length !== names.length) throw new InputError(`${file}: row ${r + 1} has ${row.length} cells, header has ${names.length}`);
  });
  return { header: names, rows };
}

function numberCell(table: Table, file: string, r: number, column: string, allowEmpty = false): number {
  const raw = table.rows[r][table.header.indexOf(column)].trim();
  if (raw === '' && allowEmpty) return Number.NaN;
  const value = raw === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value)) throw new InputError(`${file}: row ${r + 1}, column "${column}": "${raw}" is not a number`);
  return value;
}

function readCoordinates(table: Table, file: string): { ids: string[]; lat: Float64Array; lon: Float64Array } {
  const n = table.rows.length;
  const ids: string[] = [];
  const seen = new Set<string>();
  const lat = new Float64Array(n);
  const lon = new Float64Array(n);
  const idColumn = table.header.indexOf('id');
  for (let r = 0; r < n; r++) {
    const id = table.rows[r][idColumn].trim();
    if (id === '') throw new InputError(`${file}: row ${r + 1}, column "id" is empty`);
    if (seen.has(id)) throw new InputError(`${file}: row ${r + 1}, column "id": "${id}" appears twice`);
    seen.add(id);
    ids.push(id);
    lat[r] = numberCell(table, file, r, 'lat');
    lon[r] = numberCell(table, file, r, 'lon');
    if (Math.abs(lat[r]) > 90) throw new InputError(`${file}: row ${r + 1}, column "lat": ${lat[r]} is outside [-90, 90]`);
    if (Math.abs(lon[r]) > 180) throw new InputError(`${file}: row ${r + 1}, column "lon": ${lon[r]} is outside [-180, 180]`);
  }
  return { ids, lat, lon };
}

/** `id,lat,lon,price` + numeric attribute columns; an empty price marks a house to value. */
export function parseHousesCsv(text: string, file = 'houses CSV'): Houses {
  const table = parseTable(text, file, ['id', 'lat', 'lon', 'price']);
  const { ids, lat, lon } = readCoordinates(table, file);
  const n = ids.length;
  if (n === 0) throw new InputError(`${file}: no houses`);
  const attributeNames = table.header.filter((name) => !['id', 'lat', 'lon', 'price'].includes(name));
  const price = new Float64Array(n);
  const attributes = new Float64Array(n * attributeNames.length);
  for (let r = 0; r < n; r++) {
    price[r] = numberCell(table, file, r, 'price', true);
    if (price[r] <= 0) throw new InputError(`${file}: row ${r + 1}, column "price": ${price[r]} must be > 0 (log price is modelled)`);
    attributeNames.forEach((name, a) => {
      attributes[r * attributeNames.length + a] = numberCell(table, file, r, name);
    });
  }
  return { ids, lat, lon, price, attributeNames, attributes };
}

/** `id,lat,lon,kind` (+ optional `name`). */
export function parseFacilitiesCsv(text: string, file = 'facilities CSV'): Facilities {
  const table = parseTable(text, file, ['id', 'lat', 'lon', 'kind']);
  const { ids, lat, lon } = readCoordinates(table, file);
  const kindColumn = table.header.indexOf('kind');
  const nameColumn = table.header.indexOf('name');
  const kind = table.rows.map((row, r) => {
    const value = row[kindColumn].trim();
    if (value === '') throw new InputError(`${file}: row ${r + 1}, column "kind" is empty`);
    return value;
  });
  const name = nameColumn >= 0 ? table.rows.map((row) => row[nameColumn].trim()) : undefined;
  return { ids, lat, lon, kind, name };
}
