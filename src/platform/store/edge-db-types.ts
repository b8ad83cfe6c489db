/**
 * The edge's SQLite database (edgecore.db): KubeEdge's `meta` table, byte-compatible in names and
 * columns, plus the durable upstream queue (ours: status reports kept until the cloud answers them).
 * Implemented over better-sqlite3 in `edge-db.ts`; every write is committed before the call returns.
 */

export interface MetaRow {
  /** Edge resource string, e.g. `default/pod/nginx`. */
  readonly key: string;
  /** Resource type, e.g. `pod`. */
  readonly type: string;
  /** The object as JSON text. */
  readonly value: string;
}

export interface UpstreamRow {
  /** Insertion order. */
  readonly seq: number;
  /** Coalescing key: a newer report with the same key replaces the older one (e.g. `default/podpatch/web-1`). */
  readonly key: string;
  readonly msgId: string;
  /** The encoded frame to send. */
  readonly frame: string;
  /** ms since epoch when queued. */
  readonly queuedAt: number;
}

export interface MetaTable {
  put(row: MetaRow): void;
  get(key: string): MetaRow | undefined;
  delete(key: string): boolean;
  /** All rows of a type; with `namespace`, only keys starting with `<namespace>/`. */
  listByType(type: string, namespace?: string): MetaRow[];
  count(): number;
  /**
   * Calls `listener` after each committed put (with the new row) and each delete that removed a row
   * (with undefined). Inside `EdgeDb.transaction` the calls wait for the commit, in write order, and a
   * rolled-back write calls nothing. A listener that throws is ignored: the write stands. Only writes
   * through this EdgeDb are seen (not other connections to the file). Returns the unsubscribe function.
   */
  onChange(listener: MetaChangeListener): () => void;
}

/** See `MetaTable.onChange`. */
export type MetaChangeListener = (key: string, row: MetaRow | undefined) => void;

export interface UpstreamQueue {
  /** Queue (or replace, keeping nothing of the older one) the report for `key`. */
  put(key: string, msgId: string, frame: string, queuedAt: number): void;
  /** Oldest first. */
  peek(limit: number): UpstreamRow[];
  /** Remove the row whose msgId is this (the cloud answered it); false when none. */
  ackByMsgId(msgId: string): boolean;
  count(): number;
}

export interface EdgeDb {
  readonly path: string;
  readonly meta: MetaTable;
  readonly upstream: UpstreamQueue;
  /** Runs `fn` in one transaction. */
  transaction<T>(fn: () => T): T;
  /** PRAGMA quick_check == ok. */
  integrityOk(): boolean;
  close(): void;
}
