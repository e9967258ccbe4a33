/** CSV writing (RFC 4180 quoting) for the results tables' downloads. */
export type CsvCell = string | number | boolean | null | undefined;

export function csvEscape(cell: CsvCell): string {
  if (cell === null || cell === undefined) return '';
  const text = typeof cell === 'number' && !Number.isFinite(cell) ? String(cell) : String(cell);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const lines = [header.map(csvEscape).join(',')];
  for (const row of rows) {
    if (row.length !== header.length) {
      throw new RangeError(`CSV row has ${row.length} cells, header has ${header.length}`);
    }
    lines.push(row.map(csvEscape).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
