import { getPath, isJsonObject, type JsonObject, type JsonValue } from '../../base/index.js';
import type { ResourceInfo } from './resources.js';
import { APPS_PRINTERS } from './table-printers-apps.js';
import { CORE_PRINTERS } from './table-printers-core.js';
import { DEFAULT_PRINTER, customPrinter, type Printer, type TableColumn } from './table-printers.js';

/*
 * Server-side printing: meta.k8s.io/v1 Table responses with the columns kubectl shows for the built-in kinds
 * (pkg/printers/internalversion/printers.go), CRD additionalPrinterColumns for custom resources and the
 * default NAME / CREATED AT table for anything else. The server always fills every column (as Kubernetes
 * does with Wide=true); kubectl hides priority > 0 unless `-o wide`. The printers live in table-printers*.ts,
 * durations and JSONPath in table-format.ts.
 */

export { evalJsonPath, humanDuration } from './table-format.js';
export type { Cell, TableColumn } from './table-printers.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** Current time in ms since the epoch (AGE and other durations are computed against it). */
  readonly now: number;
  /** `?includeObject=`; kubectl's default (and Kubernetes') is Metadata. */
  readonly includeObject: IncludeObject;
  /** The list's metadata (resourceVersion, continue, remainingItemCount) for list responses. */
  readonly listMeta?: JsonObject | undefined;
  /** Omit columnDefinitions (TableOptions.noHeaders; also what watch events after the first may use). */
  readonly noHeaders?: boolean | undefined;
}

const BUILTIN_PRINTERS: Readonly<Record<string, Printer>> = { ...CORE_PRINTERS, ...APPS_PRINTERS };

function printerFor(res: ResourceInfo): Printer {
  if (res.custom) return customPrinter(res.custom.printerColumns);
  return BUILTIN_PRINTERS[`${res.group}/${res.plural}`] ?? DEFAULT_PRINTER;
}

/** The column definitions of a resource's table (all priorities). */
export function tableColumns(res: ResourceInfo): readonly TableColumn[] {
  return printerFor(res).columns;
}

/** A PartialObjectMetadata for an object (what `includeObject=Metadata` returns per row). */
export function toPartialObjectMetadata(o: JsonObject): JsonObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: isJsonObject(o['metadata']) ? o['metadata'] : {} };
}

/**
 * Converts objects (a list, or one object from a GET) into a meta.k8s.io/v1 Table. Pass `listMeta` for lists;
 * without it the table carries the single object's resourceVersion.
 */
export function toTable(res: ResourceInfo, objects: JsonObject[], opts: TableOptions): JsonObject {
  const printer = printerFor(res);
  const metadata: JsonObject = {};
  if (opts.listMeta) {
    for (const k of ['resourceVersion', 'continue', 'remainingItemCount'] as const) {
      const v = opts.listMeta[k];
      if (v !== undefined && v !== null && v !== '') metadata[k] = v;
    }
  } else if (objects.length === 1) {
    const rv = getPath(objects[0], ['metadata', 'resourceVersion']);
    if (typeof rv === 'string' && rv !== '') metadata['resourceVersion'] = rv;
  }
  const rows: JsonValue[] = objects.map((o) => {
    const r = printer.row(o, opts.now);
    const row: JsonObject = { cells: r.cells };
    if (r.conditions) row['conditions'] = r.conditions;
    row['object'] = opts.includeObject === 'None' ? null : opts.includeObject === 'Object' ? o : toPartialObjectMetadata(o);
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.noHeaders ? [] : printer.columns.map((c) => ({ ...c })),
    rows,
  };
}

// ---------------------------------------------------------------------------------------------
// Content negotiation
// ---------------------------------------------------------------------------------------------

export type AcceptedAs = 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList' | 'Object';

interface MediaClause {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
  readonly order: number;
}

function parseAccept(accept: string): MediaClause[] {
  const out: MediaClause[] = [];
  accept.split(',').forEach((part, order) => {
    const [type, ...rest] = part.split(';').map((s) => s.trim());
    if (!type) return;
    const params = new Map<string, string>();
    for (const r of rest) {
      const eq = r.indexOf('=');
      if (eq > 0) params.set(r.slice(0, eq).trim().toLowerCase(), r.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
    }
    const q = params.has('q') ? Number(params.get('q')) : 1;
    out.push({ type: type.toLowerCase(), params, q: Number.isNaN(q) ? 0 : q, order });
  });
  return out.filter((c) => c.q > 0).sort((a, b) => b.q - a.q || a.order - b.order);
}

/**
 * What the client asked for, taking the first acceptable Accept clause (by q, then order) as Kubernetes does:
 * `application/json;as=Table;v=v1;g=meta.k8s.io` → 'Table'; PartialObjectMetadata(List) likewise; a plain
 * JSON/YAML/wildcard clause → 'Object'. Clauses this server cannot produce (protobuf, Table v1beta1, YAML tables)
 * are skipped.
 * Returns undefined when nothing is acceptable (the server answers 406).
 */
export function acceptedAs(accept: string | undefined): AcceptedAs | undefined {
  if (accept === undefined || accept.trim() === '') return 'Object';
  for (const c of parseAccept(accept)) {
    const json = c.type === 'application/json' || c.type === 'application/*' || c.type === '*/*';
    const as = c.params.get('as');
    if (as === undefined) {
      if (json || c.type === 'application/yaml') return 'Object';
      continue;
    }
    // Table / PartialObjectMetadata are only produced as JSON here
    if (!json) continue;
    if (c.params.get('g') !== 'meta.k8s.io' || c.params.get('v') !== 'v1') continue;
    if (as === 'Table' || as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return as;
  }
  return undefined;
}

/** True when the Accept header's first acceptable clause asks for a meta.k8s.io/v1 Table (kubectl get). */
export function wantsTable(accept: string | undefined): boolean {
  return acceptedAs(accept) === 'Table';
}
