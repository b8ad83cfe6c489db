/**
 * The edge database (edgecore.db) over better-sqlite3: KubeEdge's `meta` table and our durable
 * `upstream` queue. Every call is synchronous and committed when it returns (WAL; synchronous
 * NORMAL by default, so a commit survives a crash of the process; FULL also survives power loss).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { KeError, errorMessage } from '../../base/index.js';
import type { EdgeDb, MetaChangeListener, MetaRow, MetaTable, UpstreamQueue, UpstreamRow } from './edge-db-types.js';

export const EdgeDbErrorCode = {
  /** The file exists but is not an SQLite database, or is damaged. */
  corrupt: 'KE_STORE_EDGE_DB_CORRUPT',
  /** SQLite failed otherwise (permissions, disk full, locked past the busy timeout). */
  io: 'KE_STORE_EDGE_DB_IO',
} as const;

export interface EdgeDbOptions {
  /** 'NORMAL' (default) or 'FULL' (an fsync per commit). */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** How long a statement waits for a lock held by another connection (default 5000 ms). */
  readonly busyTimeoutMs?: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (
    key varchar(256) NOT NULL,
    type varchar(32),
    value text,
    PRIMARY KEY (key)
  );
  CREATE TABLE IF NOT EXISTS upstream (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    msg_id TEXT NOT NULL,
    frame TEXT NOT NULL,
    queued_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS upstream_msg_id ON upstream (msg_id);
`;

function sqliteCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function wrap(err: unknown, what: string, path: string): KeError {
  if (err instanceof KeError) return err;
  const code = sqliteCode(err);
  const damaged = code !== undefined && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
  return new KeError(damaged ? EdgeDbErrorCode.corrupt : EdgeDbErrorCode.io, `${what} ${path}: ${errorMessage(err)}`, {
    cause: err,
    details: { path, sqliteCode: code },
  });
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
}

function toMetaRow(raw: unknown): MetaRow {
  const r = raw as Record<string, unknown>;
  return { key: str(r['key']), type: str(r['type']), value: str(r['value']) };
}

function toUpstreamRow(raw: unknown): UpstreamRow {
  const r = raw as Record<string, unknown>;
  return { seq: Number(r['seq']), key: str(r['key']), msgId: str(r['msg_id']), frame: str(r['frame']), queuedAt: Number(r['queued_at']) };
}

/** Opens (creating it and its directory if needed) the edge database at `path`. */
export function openEdgeDb(path: string, opts: EdgeDbOptions = {}): EdgeDb {
  if (path !== ':memory:') {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (err) {
      throw new KeError(EdgeDbErrorCode.io, `cannot create the directory of ${path}: ${errorMessage(err)}`, { cause: err, details: { path } });
    }
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: opts.busyTimeoutMs ?? 5000 });
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
    db.exec(SCHEMA);
    return createEdgeDb(db, path);
  } catch (err) {
    db?.close();
    throw wrap(err, 'cannot open the edge database', path);
  }
}

function createEdgeDb(db: Database.Database, path: string): EdgeDb {
  const st = {
    metaPut: db.prepare<[string, string, string]>(
      'INSERT INTO meta (key, type, value) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET type = excluded.type, value = excluded.value',
    ),
    metaGet: db.prepare<[string]>('SELECT key, type, value FROM meta WHERE key = ?'),
    metaDelete: db.prepare<[string]>('DELETE FROM meta WHERE key = ?'),
    metaByType: db.prepare<[string]>('SELECT key, type, value FROM meta WHERE type = ? ORDER BY key'),
    metaByTypeNs: db.prepare<[string, number, string]>('SELECT key, type, value FROM meta WHERE type = ? AND substr(key, 1, ?) = ? ORDER BY key'),
    metaCount: db.prepare('SELECT count(*) FROM meta').pluck(),
    upDeleteKey: db.prepare<[string]>('DELETE FROM upstream WHERE key = ?'),
    upInsert: db.prepare<[string, string, string, number]>('INSERT INTO upstream (key, msg_id, frame, queued_at) VALUES (?, ?, ?, ?)'),
    upPeek: db.prepare<[number]>('SELECT seq, key, msg_id, frame, queued_at FROM upstream ORDER BY seq LIMIT ?'),
    upAck: db.prepare<[string]>('DELETE FROM upstream WHERE msg_id = ?'),
    upCount: db.prepare('SELECT count(*) FROM upstream').pluck(),
    quickCheck: db.prepare('PRAGMA quick_check').pluck(),
  };
  const guard = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw wrap(err, what, path);
    }
  };
  const upsertUpstream = db.transaction((key: string, msgId: string, frame: string, queuedAt: number) => {
    st.upDeleteKey.run(key);
    st.upInsert.run(key, msgId, frame, queuedAt);
  });

  // Change listeners: called at once outside a transaction, after the outermost commit inside one.
  const listeners = new Set<MetaChangeListener>();
  let txDepth = 0;
  let pending: [string, MetaRow | undefined][] = [];
  const emit = (key: string, row: MetaRow | undefined): void => {
    for (const l of [...listeners]) {
      try {
        l(key, row);
      } catch {
        // a listener's failure is its own; the write is committed
      }
    }
  };
  const changed = (key: string, row: MetaRow | undefined): void => {
    if (listeners.size === 0) return;
    if (txDepth > 0) pending.push([key, row]);
    else emit(key, row);
  };

  const meta: MetaTable = {
    put: (row) =>
      guard('cannot write meta in', () => {
        st.metaPut.run(row.key, row.type, row.value);
        changed(row.key, { key: row.key, type: row.type, value: row.value });
      }),
    get: (key) =>
      guard('cannot read meta in', () => {
        const raw = st.metaGet.get(key);
        return raw === undefined ? undefined : toMetaRow(raw);
      }),
    delete: (key) =>
      guard('cannot delete meta in', () => {
        const removed = st.metaDelete.run(key).changes > 0;
        if (removed) changed(key, undefined);
        return removed;
      }),
    listByType: (type, namespace) =>
      guard('cannot list meta in', () => {
        const rows = namespace === undefined ? st.metaByType.all(type) : st.metaByTypeNs.all(type, namespace.length + 1, `${namespace}/`);
        return rows.map(toMetaRow);
      }),
    count: () => guard('cannot count meta in', () => Number(st.metaCount.get())),
    onChange: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };

  const upstream: UpstreamQueue = {
    put: (key, msgId, frame, queuedAt) => guard('cannot queue upstream in', () => upsertUpstream(key, msgId, frame, queuedAt)),
    peek: (limit) => guard('cannot read upstream in', () => st.upPeek.all(Math.max(0, Math.floor(limit))).map(toUpstreamRow)),
    ackByMsgId: (msgId) => guard('cannot ack upstream in', () => st.upAck.run(msgId).changes > 0),
    count: () => guard('cannot count upstream in', () => Number(st.upCount.get())),
  };

  let closed = false;
  return {
    path,
    meta,
    upstream,
    transaction: <T>(fn: () => T): T => {
      const mark = pending.length;
      txDepth++;
      try {
        const out = db.transaction(fn)();
        txDepth--;
        if (txDepth === 0 && pending.length > 0) {
          const committed = pending;
          pending = [];
          for (const [key, row] of committed) emit(key, row);
        }
        return out;
      } catch (err) {
        txDepth--;
        pending.length = mark; // rolled back (to this level's savepoint): those writes never happened
        // The caller's own errors pass through; SQLite's are wrapped.
        if (sqliteCode(err)?.startsWith('SQLITE') === true) throw wrap(err, 'transaction failed in', path);
        throw err;
      }
    },
    integrityOk: () =>
      guard('cannot check', () => {
        const lines = st.quickCheck.all();
        return lines.length === 1 && lines[0] === 'ok';
      }),
    close: () => {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
