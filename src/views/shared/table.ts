/** A column of a ResultsTable: which field, its header, and how to show a value (the CSV keeps raw values). */
export interface Column<R> {
  key: keyof R & string;
  label: string;
  format?: (value: R[keyof R], row: R) => string;
  /** What the column means, shown as the header's tooltip (see `glossary.ts` for shared metric texts). */
  title?: string;
  /** Which way is good, shown as ↓/↑ after the header. */
  better?: 'lower' | 'higher';
}

/** Whether a value is shown as a number: numbers (and formatted numbers) never wrap in a cell. */
export function isNumeric(value: unknown): boolean {
  return typeof value === 'number' || (typeof value === 'string' && /^[-+−±]?\s?[\d.,]+(e[-+]?\d+)?\s?(%|s|M|×)?$/i.test(value.trim()));
}

/** The header's tooltip: its meaning and, when known, which way is better. */
export function headerTitle<R>(column: Column<R>): string | undefined {
  const cue = column.better ? `${column.better} is better` : '';
  const parts = [column.title, cue].filter(Boolean);
  return parts.length ? parts.join(' — ') : undefined;
}
