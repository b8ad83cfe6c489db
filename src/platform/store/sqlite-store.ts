import Database from 'better-sqlite3';
import { KeError, deferred, errorMessage, type Deferred, type JsonObject } from '../../base/index.js';
import { EntryIndex } from './entry-index.js';
import { EventHistory } from './event-history.js';
import { encodeValue, type Encoded } from './frozen-json.js';
import { checkIntegrity } from './sqlite-integrity.js';
import { loadState } from './sqlite-load.js';
import { MetaNames, SqliteStoreErrorCodes, configure, createSchema, prepareStatements, sqliteError, type Statements } from './sqlite-schema.js';
import {
  StoreErrorCodes,
  type ListOptions,
  type ListResult,
  type ObjectStore,
  type StoreEntry,
  type StoreEvent,
  type ValueBuilder,
  type WatchHandle,
} from './types.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import { WatchHub } from './watch-hub.js';

export const DEFAULT_HISTORY_LIMIT = 10_000;
export const DEFAULT_HISTORY_BYTES = 128 * 1024 * 1024;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface SqliteStoreOptions {
  /** The database file (created when missing), or `':memory:'` for tests (nothing survives close). */
  readonly path: string;
  /** Events retained for watch replay (default 10_000); older ones are compacted after each write. */
  readonly historyLimit?: number;
  /** Bytes of event values retained for watch replay (default 128 MiB): big objects compact sooner. */
  readonly historyBytesLimit?: number;
  /** How long a statement waits for a lock held by another connection (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /** Gets whatever a watch callback throws (default: rethrown from its own macrotask, i.e. uncaught). */
  readonly onWatchError?: (err: unknown) => void;
  /**
   * Gets the error when a batch of writes cannot be committed; the store then refuses all further
   * calls, since memory is ahead of the file (default: rethrown from its own macrotask, i.e. uncaught,
   * so the process restarts and reloads what is durable).
   */
  readonly onFatal?: (err: unknown) => void;
  /**
   * Where WAL checkpoints (and their fsyncs) run: `'worker'` (default) in a worker thread, so the
   * event loop never waits on the disk; `'inline'` in the writing call, SQLite's default.
   */
  readonly checkpoints?: 'worker' | 'inline';
}

/** Opens (creating if needed) the store at `opts.path` and loads it into memory. */
export function openSqliteStore(opts: SqliteStoreOptions): SqliteStore {
  return SqliteStore.open(opts);
}

/**
 * The ObjectStore on SQLite (kine-like). Every key lives in an in-memory mirror of frozen values that
 * serves all reads; SQLite is written once per write, in one transaction (kv row + event row + meta),
 * and read only at open and by integrityCheck(). One process owns the file.
 */
export class SqliteStore implements ObjectStore {
  private readonly index = new EntryIndex();
  private readonly hub: WatchHub;
  private readonly history: EventHistory;
  private rev: number;
  /** Event rows up to this revision have been deleted from the table (lags `compacted` by < sqlBatch). */
  private sqlCompacted: number;
  private readonly sqlBatch: number;
  /** True while a value builder or a list filter runs: writes then throw KE_STORE_REENTRANT. */
  private busy = false;
  private closed = false;
  /**
   * Group commit: writes apply to memory at once and queue their SQL here; one transaction per
   * event-loop turn commits the queue. `sync()` resolves once everything written so far is durable.
   */
  private pending: (() => void)[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  private waiters: Deferred<void>[] = [];
  private failure: KeError | undefined;

  static open(opts: SqliteStoreOptions): SqliteStore {
    const historyLimit = opts.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    if (!Number.isSafeInteger(historyLimit) || historyLimit < 0) {
      throw new KeError(SqliteStoreErrorCodes.invalid, `historyLimit must be a non-negative integer, got ${historyLimit}`);
    }
    let db: Database.Database | undefined;
    try {
      const timeout = opts.busyTimeoutMs ?? 5000;
      db = new Database(opts.path, { timeout });
      const mode = configure(db);
      createSchema(db);
      const st = prepareStatements(db);
      const state = loadState(db, st, historyLimit);
      const checkpointer = mode === 'wal' && opts.checkpoints !== 'inline' ? startCheckpointer(db, opts.path, timeout) : undefined;
      return new SqliteStore(db, st, state, historyLimit, opts.historyBytesLimit ?? DEFAULT_HISTORY_BYTES, opts.onWatchError ?? rethrowLater, opts.onFatal ?? rethrowLater, checkpointer);
    } catch (err) {
      db?.close();
      throw sqliteError(err, `cannot open the store at ${opts.path}`, { path: opts.path });
    }
  }

  private constructor(
    private readonly db: Database.Database,
    private readonly st: Statements,
    state: ReturnType<typeof loadState>,
    private readonly historyLimit: number,
    private readonly historyBytesLimit: number,
    onWatchError: (err: unknown) => void,
    private readonly onFatal: (err: unknown) => void,
    private readonly checkpointer: WalCheckpointer | undefined,
  ) {
    for (const e of state.entries) this.index.set(e);
    this.history = new EventHistory(state.history, state.compactedRevision);
    this.rev = state.currentRevision;
    this.sqlCompacted = state.compactedRevision;
    this.sqlBatch = Math.max(1, Math.min(64, Math.floor(historyLimit / 16)));
    this.hub = new WatchHub(onWatchError);
  }

  currentRevision(): number {
    this.assertOpen();
    return this.rev;
  }

  compactedRevision(): number {
    this.assertOpen();
    return this.history.compactedRevision;
  }

  get(key: string): StoreEntry | undefined {
    this.assertOpen();
    return this.index.get(key);
  }

  list(prefix: string, options: ListOptions = {}): ListResult {
    this.assertOpen();
    const limit = options.limit ?? 0;
    if (!Number.isSafeInteger(limit) || limit < 0) throw new KeError(SqliteStoreErrorCodes.invalid, `list limit must be a non-negative integer, got ${limit}`);
    const wasBusy = this.busy;
    this.busy = options.filter !== undefined || wasBusy;
    try {
      const page = this.index.page(prefix, options.startAfter, limit, options.filter);
      return { entries: page.entries, revision: this.rev, remaining: page.remaining };
    } finally {
      this.busy = wasBusy;
    }
  }

  count(prefix: string): number {
    this.assertOpen();
    return this.index.count(prefix);
  }

  create(key: string, build: ValueBuilder): StoreEntry {
    this.assertWritable(key);
    if (this.index.get(key) !== undefined) throw new KeError(StoreErrorCodes.exists, `key ${key} already exists`, { details: { key } });
    const revision = this.rev + 1;
    const { text, value } = this.build(build, revision, key);
    const entry: StoreEntry = Object.freeze({ key, value, createRevision: revision, modRevision: revision });
    this.commit(Object.freeze({ type: 'create', key, value, revision }), text, null, () => this.st.putKv.run(key, text, revision, revision));
    this.index.set(entry);
    return entry;
  }

  update(key: string, build: ValueBuilder, expectedModRevision?: number): StoreEntry {
    this.assertWritable(key);
    const cur = this.existing(key, expectedModRevision);
    const revision = this.rev + 1;
    const { text, value } = this.build(build, revision, key);
    const entry: StoreEntry = Object.freeze({ key, value, createRevision: cur.createRevision, modRevision: revision });
    const event: StoreEvent = Object.freeze({ type: 'update', key, value, prev: cur.value, revision });
    this.commit(event, text, JSON.stringify(cur.value), () => this.st.putKv.run(key, text, cur.createRevision, revision));
    this.index.set(entry);
    return entry;
  }

  delete(key: string, expectedModRevision?: number): StoreEntry {
    this.assertWritable(key);
    const cur = this.existing(key, expectedModRevision);
    const revision = this.rev + 1;
    const last = JSON.stringify(cur.value);
    const event: StoreEvent = Object.freeze({ type: 'delete', key, value: cur.value, prev: cur.value, revision });
    this.commit(event, last, last, () => this.st.deleteKv.run(key));
    this.index.delete(key);
    return Object.freeze({ key, value: cur.value, createRevision: cur.createRevision, modRevision: revision });
  }

  watch(prefix: string, afterRevision: number, onEvent: (event: StoreEvent) => void): WatchHandle {
    this.assertOpen();
    if (!Number.isSafeInteger(afterRevision) || afterRevision < 0) {
      throw new KeError(SqliteStoreErrorCodes.invalid, `watch revision must be a non-negative integer, got ${afterRevision}`);
    }
    const compacted = this.history.compactedRevision;
    if (afterRevision < compacted) {
      throw new KeError(StoreErrorCodes.compacted, `revision ${afterRevision} is compacted (compacted revision ${compacted})`, {
        details: { revision: afterRevision, compactedRevision: compacted },
      });
    }
    return this.hub.add(prefix, Math.max(afterRevision, this.rev), this.history.after(afterRevision, prefix), onEvent);
  }

  compact(revision: number): void {
    this.assertOpen();
    this.assertNotBusy();
    if (!Number.isSafeInteger(revision)) throw new KeError(SqliteStoreErrorCodes.invalid, `compact revision must be an integer, got ${revision}`);
    const target = Math.min(revision, this.rev);
    if (target <= this.history.compactedRevision) return;
    this.flushPending();
    this.transaction(`compaction to ${target} failed`, { revision: target }, 0, () => {
      this.st.deleteEventsUpTo.run(target);
      this.st.setMeta.run(target, MetaNames.compactedRevision);
    });
    this.history.dropUpTo(target);
    this.sqlCompacted = target;
  }

  integrityCheck(): string[] {
    this.assertOpen();
    const problems: string[] = [];
    this.flushPending();
    if (this.failure !== undefined) problems.push(`a commit failed: ${this.failure.message}`);
    try {
      this.flushCompaction();
    } catch (err) {
      problems.push(`cannot apply pending compaction: ${errorMessage(err)}`);
    }
    problems.push(
      ...checkIntegrity(this.st, {
        index: this.index,
        history: this.history.retained(),
        currentRevision: this.rev,
        compactedRevision: this.history.compactedRevision,
      }),
    );
    return problems;
  }

  close(): void {
    if (this.closed) return;
    this.flushPending();
    this.closed = true;
    this.hub.close();
    this.checkpointer?.close();
    try {
      this.flushCompaction();
    } catch {
      // Best effort: the next open trims the history to the limit again.
    }
    this.db.close();
  }

  /** Runs the builder (writes blocked meanwhile) and encodes its result. */
  private build(build: ValueBuilder, revision: number, key: string): Encoded {
    this.busy = true;
    let built: JsonObject;
    try {
      built = build(revision);
    } finally {
      this.busy = false;
    }
    this.assertOpen(); // the builder may have closed the store
    let encoded: Encoded | undefined;
    try {
      encoded = encodeValue(built);
    } catch (err) {
      throw new KeError(SqliteStoreErrorCodes.invalid, `value for ${key} cannot be encoded as JSON: ${errorMessage(err)}`, { cause: err, details: { key } });
    }
    if (encoded === undefined) throw new KeError(SqliteStoreErrorCodes.invalid, `value for ${key} is not a JSON object`, { details: { key } });
    return encoded;
  }

  /**
   * Writes one event in one transaction (kv row, event row, current revision, and every sqlBatch
   * writes the deletion of compacted event rows), then applies it in memory and queues it for watchers.
   */
  private commit(event: StoreEvent, valueText: string, prevText: string | null, writeKv: () => void): void {
    const { revision, key } = event;
    const size = valueText.length + (prevText?.length ?? 0);
    const compactTo = this.history.compactionAfterAppend(revision, this.historyLimit, size, this.historyBytesLimit);
    const deleteRows = compactTo - this.sqlCompacted >= this.sqlBatch;
    this.pending.push(() => {
      writeKv();
      this.st.insertEvent.run(revision, event.type, key, valueText, prevText);
      this.st.setMeta.run(revision, MetaNames.currentRevision);
      if (deleteRows) {
        this.st.deleteEventsUpTo.run(compactTo);
        this.st.setMeta.run(compactTo, MetaNames.compactedRevision);
      }
    });
    this.pendingBytes += size * 2;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushPending());
    }
    this.rev = revision;
    this.history.push(event, size);
    this.history.dropUpTo(compactTo);
    if (deleteRows) this.sqlCompacted = compactTo;
    this.hub.publish(event);
  }

  /** Commits the queued writes in one transaction (sync: also called by close and integrityCheck). */
  private flushPending(): void {
    this.flushScheduled = false;
    if (this.failure !== undefined) return;
    const ops = this.pending;
    const waiters = this.waiters;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.waiters = [];
    this.pendingBytes = 0;
    if (ops.length > 0) {
      try {
        this.transaction(`commit of ${ops.length} writes failed`, { writes: ops.length }, bytes, () => {
          for (const op of ops) op();
        });
      } catch (err) {
        this.failure = err instanceof KeError ? err : new KeError(SqliteStoreErrorCodes.io, errorMessage(err), { cause: err });
        for (const w of waiters) w.reject(this.failure);
        this.onFatal(this.failure);
        return;
      }
    }
    for (const w of waiters) w.resolve();
  }

  /** Resolves when every write made so far is committed to the file. */
  sync(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.pending.length === 0) return Promise.resolve();
    const d = deferred<void>();
    this.waiters.push(d);
    return d.promise;
  }

  private transaction(what: string, details: Record<string, unknown>, bytes: number, body: () => void): void {
    const st = this.st;
    try {
      st.begin.run();
      try {
        body();
        st.commit.run();
      } catch (err) {
        if (this.db.inTransaction) st.rollback.run();
        throw err;
      }
    } catch (err) {
      throw sqliteError(err, what, details);
    }
    this.checkpointer?.noteCommit(bytes);
  }

  /** Deletes the event rows that compaction has already dropped from memory. */
  private flushCompaction(): void {
    const target = this.history.compactedRevision;
    if (this.sqlCompacted >= target) return;
    this.flushPending();
    this.transaction(`compaction to ${target} failed`, { revision: target }, 0, () => {
      this.st.deleteEventsUpTo.run(target);
      this.st.setMeta.run(target, MetaNames.compactedRevision);
    });
    this.sqlCompacted = target;
  }

  private existing(key: string, expectedModRevision: number | undefined): StoreEntry {
    const cur = this.index.get(key);
    if (cur === undefined) throw new KeError(StoreErrorCodes.notFound, `key ${key} not found`, { details: { key } });
    if (expectedModRevision !== undefined && expectedModRevision !== cur.modRevision) {
      throw new KeError(StoreErrorCodes.conflict, `key ${key} is at revision ${cur.modRevision}, not ${expectedModRevision}`, {
        details: { key, expected: expectedModRevision, actual: cur.modRevision },
      });
    }
    return cur;
  }

  private assertOpen(): void {
    if (this.closed) throw new KeError(StoreErrorCodes.closed, 'the store is closed');
  }

  private assertNotBusy(): void {
    if (this.busy) throw new KeError(SqliteStoreErrorCodes.reentrant, 'store writes are not allowed inside a value builder or a list filter');
  }

  private assertWritable(key: string): void {
    this.assertOpen();
    if (this.failure !== undefined) throw this.failure;
    this.assertNotBusy();
    // A lone surrogate would not survive the trip through UTF-8 into SQLite.
    if (typeof key !== 'string' || key.length === 0 || LONE_SURROGATE.test(key)) {
      throw new KeError(SqliteStoreErrorCodes.invalid, 'store key must be a non-empty, well-formed string', { details: { key } });
    }
  }
}

/** A worker-thread checkpointer, or none (SQLite's inline checkpoints) when a thread cannot start. */
function startCheckpointer(db: Database.Database, file: string, timeoutMs: number): WalCheckpointer | undefined {
  try {
    return new WalCheckpointer(db, file, timeoutMs);
  } catch {
    return undefined;
  }
}

function rethrowLater(err: unknown): void {
  setImmediate(() => {
    throw err;
  });
}
