import { getPath, isJsonArray, isJsonObject, type JsonObject, type JsonValue } from '../../base/index.js';
import { labelSelectorFromMeta } from './label-selector.js';
import type { PrinterColumn } from './resources.js';
import { compileJsonPath, goJson, humanDuration, parseTime, rfc3339, since } from './table-format.js';

/*
 * The printer model of server-side printing: column definitions, the cell readers the per-kind printers
 * (table-printers-core.ts, table-printers-apps.ts) share, CRD additionalPrinterColumns and the default
 * NAME / CREATED AT table (rest.NewDefaultTableConvertor).
 */

export type Cell = string | number | boolean | null;

export interface TableColumn {
  readonly name: string;
  readonly type: string;
  readonly format: string;
  readonly description: string;
  readonly priority: number;
}

export interface Row {
  readonly cells: Cell[];
  readonly conditions?: JsonObject[];
}

export interface Printer {
  readonly columns: readonly TableColumn[];
  row(o: JsonObject, now: number): Row;
}

// ---------------------------------------------------------------------------------------------
// Small readers
// ---------------------------------------------------------------------------------------------

export const obj = (v: unknown): JsonObject => (isJsonObject(v) ? v : {});
export const arr = (v: unknown): JsonValue[] => (isJsonArray(v) ? v : []);
export const str = (o: unknown, ...path: string[]): string => {
  const v = getPath(o, path);
  return typeof v === 'string' ? v : '';
};
export const int = (o: unknown, fallback: number, ...path: string[]): number => {
  const v = getPath(o, path);
  return typeof v === 'number' ? Math.trunc(v) : fallback;
};
export const name = (o: JsonObject): string => str(o, 'metadata', 'name');
export const age = (o: JsonObject, now: number): string => since(getPath(o, ['metadata', 'creationTimestamp']), now);

/** labels.FormatLabels: sorted `k=v` pairs, `<none>` when empty. */
export function formatLabels(m: unknown): string {
  const o = obj(m);
  const parts = Object.keys(o)
    .sort()
    .map((k) => `${k}=${typeof o[k] === 'string' ? o[k] : ''}`);
  return parts.length > 0 ? parts.join(',') : '<none>';
}

export function selectorString(sel: unknown): string | undefined {
  try {
    return labelSelectorFromMeta(sel).toString();
  } catch {
    return undefined;
  }
}

/** metav1.FormatLabelSelector: `<none>` when empty, `<error>` when malformed. */
export function formatLabelSelector(sel: unknown): string {
  const s = selectorString(sel);
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}

export function hasCondition(conds: unknown, type: string, status = 'True'): boolean {
  const c = arr(conds).find((x) => str(x, 'type') === type);
  return c !== undefined && str(c, 'status') === status;
}

// ---------------------------------------------------------------------------------------------
// Column definitions
// ---------------------------------------------------------------------------------------------

const NAME_DESC = 'Name of the object, unique within its namespace (or cluster-wide for cluster-scoped kinds).';
export const AGE_DESC = 'Time since the object was created (metadata.creationTimestamp).';

export function col(name: string, type = 'string', priority = 0, description = '', format = ''): TableColumn {
  return { name, type, format, description, priority };
}
export const NAME_COL = col('Name', 'string', 0, NAME_DESC, 'name');
export const AGE_COL = col('Age', 'string', 0, AGE_DESC);

/** A column and how to fill its cell. */
export type ColumnCell = readonly [TableColumn, (o: JsonObject, now: number) => Cell];

export const NAME: ColumnCell = [NAME_COL, name];
export const AGE: ColumnCell = [AGE_COL, age];

/** A printer whose row is its columns' cells, each computed on its own. */
export function columnsPrinter(...columns: readonly ColumnCell[]): Printer {
  return {
    columns: columns.map(([c]) => c),
    row: (o, now) => ({ cells: columns.map(([, cell]) => cell(o, now)) }),
  };
}

// ---------------------------------------------------------------------------------------------
// The default table (rest.NewDefaultTableConvertor): CRDs and kinds without a printer
// ---------------------------------------------------------------------------------------------

export const DEFAULT_PRINTER: Printer = columnsPrinter(NAME, [col('Created At', 'date', 0, AGE_DESC), (o) => rfc3339(getPath(o, ['metadata', 'creationTimestamp']))]);

// ---------------------------------------------------------------------------------------------
// Custom resources (CRD additionalPrinterColumns)
// ---------------------------------------------------------------------------------------------

function customCell(type: string, value: unknown, now: number): Cell {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      return goJson(value);
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      const t = parseTime(value);
      return t === undefined ? '<invalid>' : humanDuration(now - t);
    }
    default:
      return null;
  }
}

const DEFAULT_CR_COLUMNS: readonly PrinterColumn[] = [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: AGE_DESC }];

/** The printer of a custom resource: NAME, then its CRD's printer columns (AGE when it has none). */
export function customPrinter(printerColumns: readonly PrinterColumn[]): Printer {
  const pcs = printerColumns.length > 0 ? printerColumns : DEFAULT_CR_COLUMNS;
  return columnsPrinter(
    NAME,
    ...pcs.map((c): ColumnCell => {
      const path = compileJsonPath(c.jsonPath);
      const column = col(c.name, c.type, c.priority ?? 0, c.description ?? `Custom resource definition column (in JSONPath format): ${c.jsonPath}`, c.format ?? '');
      return [column, (o, now) => customCell(c.type, path(o)[0], now)];
    }),
  );
}
