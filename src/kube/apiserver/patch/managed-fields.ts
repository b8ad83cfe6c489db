import { isJsonArray, isJsonObject, type JsonObject } from '../../../base/index.js';
import { FieldSet, type FieldsV1 } from './field-set.js';
import { compareObjects, setFields, trackedView, type TrackOptions } from './field-walk.js';

/**
 * metadata.managedFields: which manager owns which fields, maintained the way the Kubernetes field
 * manager does it for non-apply writes (create, update, patch). Server-side apply is in apply.ts.
 */

export const ManagedOperations = { Apply: 'Apply', Update: 'Update' } as const;
export type ManagedOperation = (typeof ManagedOperations)[keyof typeof ManagedOperations];

export interface ManagedEntry {
  readonly manager: string;
  readonly operation: ManagedOperation;
  readonly apiVersion: string;
  readonly time?: string;
  readonly subresource?: string;
  readonly fields: FieldSet;
}

/** Kubernetes keeps at most this many Update entries; older ones merge into "ancient-changes". */
export const MAX_UPDATE_MANAGERS = 10;
export const ANCIENT_CHANGES_MANAGER = 'ancient-changes';

/** Manager identity as Kubernetes keys it: Apply entries are one per manager whatever the apiVersion. */
export function entryIdentity(e: Pick<ManagedEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([e.manager, e.operation, e.operation === 'Update' ? e.apiVersion : '', e.subresource ?? '']);
}

/** Decodes a managedFields list; undefined when it is not a list of well-formed FieldsV1 entries. */
export function decodeManagedFields(value: unknown): ManagedEntry[] | undefined {
  if (!isJsonArray(value)) return undefined;
  const out: ManagedEntry[] = [];
  for (const raw of value) {
    if (!isJsonObject(raw)) return undefined;
    const { manager, operation, apiVersion, time, subresource, fieldsType } = raw;
    if (typeof manager !== 'string' || (operation !== 'Apply' && operation !== 'Update')) return undefined;
    if (fieldsType !== 'FieldsV1') return undefined;
    const rawFields = raw['fieldsV1'];
    const fields = rawFields === undefined || rawFields === null ? new FieldSet() : FieldSet.fromFieldsV1(rawFields);
    if (fields === undefined) return undefined;
    fields.member = false; // the empty path is never owned: `{}` at the top is the empty set
    out.push({
      manager,
      operation,
      apiVersion: typeof apiVersion === 'string' ? apiVersion : '',
      ...(typeof time === 'string' ? { time } : {}),
      ...(typeof subresource === 'string' && subresource !== '' ? { subresource } : {}),
      fields,
    });
  }
  return out;
}

/** Encodes entries in Kubernetes order (Apply first, then oldest first), dropping empty ones. */
export function encodeManagedFields(entries: readonly ManagedEntry[]): JsonObject[] {
  return entries
    .filter((e) => !e.fields.isEmpty())
    .sort(compareEntries)
    .map((e) => {
      const out: JsonObject = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
      if (e.time !== undefined) out['time'] = e.time;
      out['fieldsType'] = 'FieldsV1';
      const fieldsV1: FieldsV1 = e.fields.toFieldsV1();
      out['fieldsV1'] = fieldsV1;
      if (e.subresource !== undefined) out['subresource'] = e.subresource;
      return out;
    });
}

function compareEntries(a: ManagedEntry, b: ManagedEntry): number {
  if (a.operation !== b.operation) return a.operation < b.operation ? -1 : 1;
  const ta = secondsOf(a.time);
  const tb = secondsOf(b.time);
  if (ta !== tb) return ta - tb;
  for (const [x, y] of [
    [a.manager, b.manager],
    [a.apiVersion, b.apiVersion],
    [a.subresource ?? '', b.subresource ?? ''],
  ] as const) {
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function secondsOf(time: string | undefined): number {
  if (time === undefined) return 0;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

export function managedFieldsOf(obj: JsonObject | undefined): unknown {
  const meta = obj?.['metadata'];
  return isJsonObject(meta) ? meta['managedFields'] : undefined;
}

/**
 * The entries an update starts from: the new object's own list when the client sent a usable one (this is
 * how clients such as kubectl rewrite ownership), an explicit `[]` or `[{}]` to reset, else the live list.
 * Subresource writes always keep the live list.
 */
export function entriesForUpdate(prev: JsonObject | undefined, next: JsonObject, subresource: string | undefined): ManagedEntry[] {
  const live = decodeManagedFields(managedFieldsOf(prev)) ?? [];
  if (subresource !== undefined) return live;
  const sent = managedFieldsOf(next);
  if (isJsonArray(sent) && (sent.length === 0 || (sent.length === 1 && isJsonObject(sent[0]) && Object.keys(sent[0]).length === 0))) {
    return [];
  }
  const decoded = decodeManagedFields(sent);
  return decoded !== undefined && decoded.length > 0 ? decoded : live;
}

/** Merges the oldest Update entries into per-version "ancient-changes" entries above the cap. */
export function capUpdateManagers(entries: readonly ManagedEntry[], max = MAX_UPDATE_MANAGERS): ManagedEntry[] {
  const updates = entries.filter((e) => e.operation === 'Update');
  if (updates.length <= max) return [...entries];
  const oldestFirst = [...updates].sort((a, b) => secondsOf(a.time) - secondsOf(b.time) || (a.manager < b.manager ? -1 : 1));
  const result = new Map(entries.map((e) => [entryIdentity(e), e] as const));
  const firstOfVersion = new Map<string, string>();
  let count = updates.length;
  for (const e of oldestFirst) {
    if (count <= max) break;
    const id = entryIdentity(e);
    const bucketId = entryIdentity({ manager: ANCIENT_CHANGES_MANAGER, operation: 'Update', apiVersion: e.apiVersion });
    const firstId = firstOfVersion.get(e.apiVersion);
    if (firstId === undefined) {
      firstOfVersion.set(e.apiVersion, id);
      continue;
    }
    if (id === bucketId) continue;
    let bucket = result.get(bucketId);
    if (bucket === undefined) {
      const first = result.get(firstId) ?? e;
      result.delete(firstId);
      bucket = { ...first, manager: ANCIENT_CHANGES_MANAGER };
    }
    result.delete(id);
    result.set(bucketId, { ...bucket, fields: bucket.fields.union(e.fields), ...(e.time === undefined ? {} : { time: e.time }) });
    count--;
  }
  return [...result.values()];
}

export interface RecordUpdateArgs extends TrackOptions {
  readonly prev: JsonObject | undefined;
  readonly next: JsonObject;
  readonly manager: string;
  readonly apiVersion: string;
  readonly now: string;
  readonly kind: string;
}

/**
 * The managedFields after a create, update or (non-apply) patch: the manager's Update entry gains every
 * field this write added or changed; every other entry loses the fields whose values changed or vanished.
 */
export function recordUpdate(args: RecordUpdateArgs): JsonObject[] {
  const opts: TrackOptions = {
    ...(args.subresource === undefined ? {} : { subresource: args.subresource }),
    ...(args.statusSubresource === undefined ? {} : { statusSubresource: args.statusSubresource }),
  };
  const entries = entriesForUpdate(args.prev, args.next, args.subresource);
  const prevView = args.prev === undefined ? undefined : trackedView(args.prev, args.kind, opts);
  const { changed, removed } = compareObjects(prevView, trackedView(args.next, args.kind, opts), args.kind);
  const sub = args.subresource === undefined ? {} : { subresource: args.subresource };
  const mineId = entryIdentity({ manager: args.manager, operation: 'Update', apiVersion: args.apiVersion, ...sub });
  let updated: ManagedEntry[] = entries.map((e) => ({ ...e, fields: e.fields.difference(changed).difference(removed) }));
  if (!changed.isEmpty()) {
    const own = updated.find((e) => entryIdentity(e) === mineId);
    const entry: ManagedEntry = {
      manager: args.manager,
      operation: 'Update',
      apiVersion: args.apiVersion,
      time: args.now,
      ...sub,
      fields: changed.union(own?.fields),
    };
    updated = own === undefined ? [...updated, entry] : updated.map((e) => (e === own ? entry : e));
  }
  return encodeManagedFields(capUpdateManagers(updated.filter((e) => !e.fields.isEmpty())));
}

/** The FieldsV1 of the fields an object sets (its tracked view; see `trackedView`). */
export function fieldSetOf(obj: JsonObject, kind: string, opts: TrackOptions = {}): FieldsV1 {
  return setFields(trackedView(obj, kind, opts), kind).toFieldsV1();
}
