/**
 * Parses kubectl's human-readable tables (`get`, `get -o wide`, `api-resources`). Columns are
 * found from the header line: a column starts where a header word follows two or more spaces
 * (single spaces stay inside a header such as "NOMINATED NODE"), and every row is cut at the same
 * offsets, so empty cells are read as ''.
 */
export interface KubectlTable {
  readonly headers: readonly string[];
  readonly rows: readonly Readonly<Record<string, string>>[];
}

export function parseTable(text: string): KubectlTable {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0];
  if (header === undefined) return { headers: [], rows: [] };
  const starts: number[] = [];
  const re = /(^|\s{2,})(\S)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(header)) !== null) starts.push(m.index + (m[1]?.length ?? 0));
  const headers = starts.map((s, i) => header.slice(s, starts[i + 1] ?? header.length).trim());
  const rows = lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    headers.forEach((h, i) => {
      const start = starts[i] ?? 0;
      const end = i + 1 < starts.length ? (starts[i + 1] ?? line.length) : line.length;
      row[h] = line.slice(start, end).trim();
    });
    return row;
  });
  return { headers, rows };
}

/** The row whose `column` (default NAME) equals `value`. */
export function findRow(table: KubectlTable, value: string, column = 'NAME'): Readonly<Record<string, string>> | undefined {
  return table.rows.find((r) => r[column] === value);
}
