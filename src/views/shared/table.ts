/** A column of a ResultsTable: which field, its header, and how to show a value (the CSV keeps raw values). */
export interface Column<R> {
  key: keyof R & string;
  label: string;
  format?: (value: R[keyof R], row: R) => string;
}
