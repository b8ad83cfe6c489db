import { errorMessage, jsonEqual } from '../../base/index.js';
import type { EntryIndex } from './entry-index.js';
import { parseStored } from './frozen-json.js';
import { MetaNames, asRow, intOf, type Statements } from './sqlite-schema.js';
import type { StoreEvent } from './types.js';

export interface MemoryState {
  readonly index: EntryIndex;
  /** The retained events, in revision order. */
  readonly history: readonly StoreEvent[];
  readonly currentRevision: number;
  readonly compactedRevision: number;
}

/**
 * Compares the database with the memory state: SQLite's own integrity check, the meta revisions,
 * every kv row against the mirror (keys, revisions, values), and the event rows against the
 * retained history (strictly increasing, above the compacted revision, same events).
 */
export function checkIntegrity(st: Statements, mem: MemoryState): string[] {
  const problems: string[] = [];
  const section = (name: string, body: () => void): void => {
    try {
      body();
    } catch (err) {
      problems.push(`${name}: check failed: ${errorMessage(err)}`);
    }
  };

  section('sqlite', () => {
    for (const line of st.integrity.all()) if (line !== 'ok') problems.push(`sqlite: ${String(line)}`);
  });

  section('meta', () => {
    const current = intOf(st.getMeta.get(MetaNames.currentRevision));
    const compacted = intOf(st.getMeta.get(MetaNames.compactedRevision));
    if (current !== mem.currentRevision) problems.push(`meta: current revision ${String(current)}, memory has ${mem.currentRevision}`);
    if (compacted !== mem.compactedRevision) problems.push(`meta: compacted revision ${String(compacted)}, memory has ${mem.compactedRevision}`);
  });

  section('kv', () => {
    const seen = new Set<string>();
    for (const raw of st.allKv.iterate()) {
      const row = asRow(raw, 'kv');
      const key = row['key'];
      if (typeof key !== 'string') {
        problems.push('kv: row without a text key');
        continue;
      }
      seen.add(key);
      const e = mem.index.get(key);
      if (e === undefined) {
        problems.push(`kv: ${key} is in the table but not in memory`);
        continue;
      }
      const createRev = intOf(row['create_rev']);
      const modRev = intOf(row['mod_rev']);
      if (createRev !== e.createRevision || modRev !== e.modRevision) {
        problems.push(`kv: ${key} has revisions ${String(createRev)}/${String(modRev)} in the table, ${e.createRevision}/${e.modRevision} in memory`);
      }
      if (modRev !== undefined && modRev > mem.currentRevision) problems.push(`kv: ${key} has mod_rev ${modRev} above the current revision ${mem.currentRevision}`);
      const value = parseStored(row['value']);
      if (value === undefined) problems.push(`kv: ${key} holds a value that is not a JSON object`);
      else if (!jsonEqual(value, e.value)) problems.push(`kv: ${key} holds a value that differs from memory`);
    }
    for (const e of mem.index.values()) {
      if (!seen.has(e.key)) problems.push(`kv: ${e.key} is in memory but not in the table`);
      if (e.modRevision > mem.currentRevision || e.createRevision > e.modRevision || e.createRevision < 1) {
        problems.push(`memory: ${e.key} has revisions ${e.createRevision}/${e.modRevision} (current ${mem.currentRevision})`);
      }
    }
    problems.push(...mem.index.verify());
  });

  section('events', () => {
    let last = mem.compactedRevision;
    for (const e of mem.history) {
      if (e.revision <= last || e.revision > mem.currentRevision) problems.push(`memory: event ${e.revision} out of order (after ${last}, current ${mem.currentRevision})`);
      last = e.revision;
    }
    last = mem.compactedRevision;
    const retained = new Map<number, StoreEvent>();
    for (const e of mem.history) retained.set(e.revision, e);
    for (const raw of st.allEvents.iterate()) {
      const row = asRow(raw, 'events');
      const rev = intOf(row['rev']);
      if (rev === undefined) {
        problems.push('events: row without an integer revision');
        continue;
      }
      if (rev <= last) problems.push(`events: revision ${rev} is not above ${last} (compacted revision ${mem.compactedRevision})`);
      if (rev > mem.currentRevision) problems.push(`events: revision ${rev} is above the current revision ${mem.currentRevision}`);
      last = Math.max(last, rev);
      const e = retained.get(rev);
      if (e === undefined) {
        problems.push(`events: row ${rev} is not a retained event`);
        continue;
      }
      retained.delete(rev);
      if (row['type'] !== e.type || row['key'] !== e.key) problems.push(`events: row ${rev} is ${String(row['type'])} ${String(row['key'])}, memory has ${e.type} ${e.key}`);
      const value = parseStored(row['value']);
      if (value === undefined || !jsonEqual(value, e.value)) problems.push(`events: row ${rev} holds a value that differs from memory`);
      const prevText = row['prev_value'];
      if (prevText === null || prevText === undefined) {
        if (e.prev !== undefined) problems.push(`events: row ${rev} lacks the previous value memory has`);
      } else {
        const prev = parseStored(prevText);
        if (prev === undefined || e.prev === undefined || !jsonEqual(prev, e.prev)) problems.push(`events: row ${rev} holds a previous value that differs from memory`);
      }
    }
    for (const rev of retained.keys()) problems.push(`events: retained event ${rev} is missing from the table`);
  });
  return problems;
}
