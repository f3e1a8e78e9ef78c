/**
 * Lines of a table with aligned columns: a header row, then one row per item, cells separated by two
 * spaces; the last column is not padded, so lines carry no trailing blanks. Values are shown as given
 * (`null`/`undefined` as `-`).
 */
export function table(headers: string[], rows: unknown[][]): string[] {
  const cells = [headers, ...rows.map((row) => headers.map((_, i) => cell(row[i])))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => row.map((value, i) => (i === row.length - 1 ? value : value.padEnd(widths[i]!))).join('  ').trimEnd());
}

function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value);
}
