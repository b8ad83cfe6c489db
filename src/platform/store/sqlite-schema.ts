import type Database from 'better-sqlite3';
import { KeError, errorMessage } from '../../base/index.js';
import { StoreErrorCodes } from './types.js';
import { INLINE_AUTOCHECKPOINT } from './wal-checkpointer.js';

export const SCHEMA_VERSION = 1;

/** Codes this implementation throws besides the `StoreErrorCodes` of the contract. */
export const SqliteStoreErrorCodes = {
  /** SQLite failed (disk full, I/O error, locked past busy_timeout); the write did not happen. */
  io: 'KE_STORE_IO',
  /** A bad argument or a value that is not a JSON object. */
  invalid: 'KE_STORE_INVALID',
  /** A write attempted from inside a value builder or a list filter. */
  reentrant: 'KE_STORE_REENTRANT',
} as const;

export const MetaNames = {
  currentRevision: 'current_rev',
  compactedRevision: 'compacted_rev',
  schemaVersion: 'schema_version',
} as const;

/**
 * WAL with synchronous=NORMAL: a commit is in the WAL file (the OS page cache) before the write
 * call returns, so it survives a crash of the process; only a power loss or kernel crash can lose
 * the last commits (never corrupt the file). Inline automatic checkpoints are larger than SQLite's
 * default; normally a WalCheckpointer takes them off the event loop entirely.
 */
export function configure(db: Database.Database): 'wal' | 'memory' {
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal' && mode !== 'memory') {
    throw new KeError(SqliteStoreErrorCodes.io, `cannot switch the store to WAL mode (got ${String(mode)})`, { details: { mode } });
  }
  db.pragma('synchronous = NORMAL');
  db.pragma('temp_store = MEMORY');
  db.pragma(`wal_autocheckpoint = ${INLINE_AUTOCHECKPOINT}`);
  db.pragma('journal_size_limit = 67108864');
  return mode;
}

export function createSchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS kv (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      create_rev INTEGER NOT NULL,
      mod_rev INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS events (
      rev INTEGER PRIMARY KEY,
      type TEXT NOT NULL,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      prev_value TEXT
    );
    CREATE TABLE IF NOT EXISTS meta (
      name TEXT PRIMARY KEY,
      value INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT OR IGNORE INTO meta (name, value) VALUES
      ('${MetaNames.currentRevision}', 0),
      ('${MetaNames.compactedRevision}', 0),
      ('${MetaNames.schemaVersion}', ${SCHEMA_VERSION});
  `);
}

/** The prepared statements of the write path and of the checks, prepared once per open. */
export function prepareStatements(db: Database.Database) {
  return {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    // The memory mirror is authoritative, so create and update both upsert: the row ends up as the
    // mirror says even if the table was changed behind the store's back.
    putKv: db.prepare<[string, string, number, number]>(
      'INSERT INTO kv (key, value, create_rev, mod_rev) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (key) DO UPDATE SET value = excluded.value, create_rev = excluded.create_rev, mod_rev = excluded.mod_rev',
    ),
    deleteKv: db.prepare<[string]>('DELETE FROM kv WHERE key = ?'),
    insertEvent: db.prepare<[number, string, string, string, string | null]>(
      'INSERT INTO events (rev, type, key, value, prev_value) VALUES (?, ?, ?, ?, ?)',
    ),
    deleteEventsUpTo: db.prepare<[number]>('DELETE FROM events WHERE rev <= ?'),
    setMeta: db.prepare<[number, string]>('UPDATE meta SET value = ? WHERE name = ?'),
    getMeta: db.prepare<[string]>('SELECT value FROM meta WHERE name = ?').pluck(),
    allKv: db.prepare('SELECT key, value, create_rev, mod_rev FROM kv'),
    eventsAfter: db.prepare<[number]>('SELECT rev, type, key, value, prev_value FROM events WHERE rev > ? ORDER BY rev'),
    allEvents: db.prepare('SELECT rev, type, key, value, prev_value FROM events ORDER BY rev'),
    integrity: db.prepare('PRAGMA integrity_check').pluck(),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

/** A row as an object with unknown fields; anything else is reported as corrupt. */
export function asRow(row: unknown, table: string): Record<string, unknown> {
  if (typeof row !== 'object' || row === null) {
    throw new KeError(StoreErrorCodes.corrupt, `unexpected row shape in ${table}`, { details: { table } });
  }
  return row as Record<string, unknown>;
}

/** An integer column value, or undefined. SQLite hands integers to JS as numbers. */
export function intOf(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

/** KeErrors pass through; SQLite errors become KE_STORE_CORRUPT (damaged file) or KE_STORE_IO. */
export function sqliteError(err: unknown, what: string, details: Record<string, unknown>): KeError {
  if (err instanceof KeError) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  const damaged = typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
  return new KeError(damaged ? StoreErrorCodes.corrupt : SqliteStoreErrorCodes.io, `${what}: ${errorMessage(err)}`, {
    cause: err,
    details: { ...details, sqliteCode: code },
  });
}
