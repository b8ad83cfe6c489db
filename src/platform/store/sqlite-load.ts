import type Database from 'better-sqlite3';
import { KeError, type JsonObject } from '../../base/index.js';
import { parseStored } from './frozen-json.js';
import { MetaNames, SCHEMA_VERSION, asRow, intOf, type Statements } from './sqlite-schema.js';
import { StoreErrorCodes, type StoreEntry, type StoreEvent, type StoreEventType } from './types.js';

export interface LoadedState {
  readonly entries: StoreEntry[];
  /** Retained events in revision order. */
  readonly history: StoreEvent[];
  readonly currentRevision: number;
  readonly compactedRevision: number;
}

function isEventType(t: unknown): t is StoreEventType {
  return t === 'create' || t === 'update' || t === 'delete';
}

/**
 * Reads the store at open: trims the history to `historyLimit` (persisting the new compacted
 * revision), then loads every key and every retained event. Throws KE_STORE_CORRUPT, naming the
 * key, on a row it cannot decode.
 */
export function loadState(db: Database.Database, st: Statements, historyLimit: number): LoadedState {
  const version = intOf(st.getMeta.get(MetaNames.schemaVersion));
  if (version !== SCHEMA_VERSION) {
    throw new KeError(StoreErrorCodes.corrupt, `unsupported store schema version ${String(version)}`, { details: { schemaVersion: version } });
  }
  let compacted = intOf(st.getMeta.get(MetaNames.compactedRevision)) ?? 0;
  const scalar = (sql: string, ...params: number[]): number => intOf(db.prepare(sql).pluck().get(...params)) ?? 0;
  // Never reuse a revision: take the highest one recorded anywhere.
  const current = Math.max(
    intOf(st.getMeta.get(MetaNames.currentRevision)) ?? 0,
    scalar('SELECT max(mod_rev) FROM kv'),
    scalar('SELECT max(rev) FROM events'),
    compacted,
  );
  if (scalar('SELECT count(*) FROM events WHERE rev > ?', compacted) > historyLimit) {
    compacted = scalar('SELECT rev FROM events WHERE rev > ? ORDER BY rev DESC LIMIT 1 OFFSET ?', compacted, historyLimit);
  }
  db.transaction(() => {
    st.deleteEventsUpTo.run(compacted);
    st.setMeta.run(compacted, MetaNames.compactedRevision);
    st.setMeta.run(current, MetaNames.currentRevision);
  }).immediate();

  const entries: StoreEntry[] = [];
  const byKey = new Map<string, StoreEntry>();
  for (const raw of st.allKv.iterate()) {
    const row = asRow(raw, 'kv');
    const key = row['key'];
    if (typeof key !== 'string') throw corrupt('kv row without a text key', { table: 'kv' });
    const value = parseStored(row['value']);
    const createRevision = intOf(row['create_rev']);
    const modRevision = intOf(row['mod_rev']);
    if (value === undefined) throw corrupt(`value of ${key} is not a JSON object`, { table: 'kv', key });
    if (createRevision === undefined || modRevision === undefined) throw corrupt(`revisions of ${key} are not integers`, { table: 'kv', key });
    const entry: StoreEntry = Object.freeze({ key, value, createRevision, modRevision });
    entries.push(entry);
    byKey.set(key, entry);
  }

  // Share value objects between events and the mirror instead of parsing each copy again.
  const history: StoreEvent[] = [];
  const lastValue = new Map<string, Readonly<JsonObject>>();
  for (const raw of st.eventsAfter.iterate(compacted)) {
    const row = asRow(raw, 'events');
    const revision = intOf(row['rev']);
    const type = row['type'];
    const key = row['key'];
    if (revision === undefined || typeof key !== 'string' || !isEventType(type)) {
      throw corrupt(`malformed event row ${String(row['rev'])}`, { table: 'events', revision: row['rev'], key });
    }
    const bad = (): KeError => corrupt(`event ${revision} of ${key} has a value that is not a JSON object`, { table: 'events', revision, key });
    let prev: Readonly<JsonObject> | undefined;
    if (row['prev_value'] !== null) prev = lastValue.get(key) ?? parseStored(row['prev_value']) ?? badThrow(bad);
    let value: Readonly<JsonObject>;
    const current = byKey.get(key);
    if (type === 'delete' && prev !== undefined) value = prev;
    else if (current !== undefined && current.modRevision === revision) value = current.value;
    else value = parseStored(row['value']) ?? badThrow(bad);
    lastValue.set(key, value);
    const event: StoreEvent = prev === undefined ? { type, key, value, revision } : { type, key, value, prev, revision };
    history.push(Object.freeze(event));
  }
  return { entries, history, currentRevision: current, compactedRevision: compacted };
}

function corrupt(message: string, details: Record<string, unknown>): KeError {
  return new KeError(StoreErrorCodes.corrupt, message, { details });
}

function badThrow(make: () => KeError): never {
  throw make();
}
