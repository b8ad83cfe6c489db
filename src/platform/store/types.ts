import type { JsonObject } from '../../base/index.js';

/**
 * The object store the API server runs on. Storage-agnostic: the embedded API server uses the
 * SQLite implementation, and the edge's metaserver can bring its own.
 *
 * Keys are slash paths (`/core/pods/default/nginx`); a list or watch takes a key prefix that ends in `/`.
 * Every write gets the next value of one global, monotonically increasing revision. All calls are
 * synchronous and run to completion, so a read-modify-write inside one call chain is atomic in-process.
 * Values handed out are frozen: copy before changing.
 */
export interface StoreEntry {
  readonly key: string;
  readonly value: Readonly<JsonObject>;
  /** Revision of the write that created the key. */
  readonly createRevision: number;
  /** Revision of the last write to the key. */
  readonly modRevision: number;
}

export type StoreEventType = 'create' | 'update' | 'delete';

export interface StoreEvent {
  readonly type: StoreEventType;
  readonly key: string;
  /** The new value; for a delete, the last value the key held. */
  readonly value: Readonly<JsonObject>;
  /** The value before this write (absent for create). */
  readonly prev?: Readonly<JsonObject> | undefined;
  /** The revision of this write. */
  readonly revision: number;
}

export interface ListOptions {
  /** Return only keys strictly greater than this one (for paging with `continue`). */
  readonly startAfter?: string;
  /** At most this many entries; 0 or absent means no limit. */
  readonly limit?: number;
  /** Only entries for which this returns true count toward the limit and are returned. */
  readonly filter?: (entry: StoreEntry) => boolean;
}

export interface ListResult {
  /** Entries in ascending key order. */
  readonly entries: StoreEntry[];
  /** The store revision the list was taken at. */
  readonly revision: number;
  /** The number of matching entries after the last returned one (0 when complete). */
  readonly remaining: number;
}

/** Builds the value to write; gets the revision the write will have, so it can embed it. */
export type ValueBuilder = (revision: number) => JsonObject;

export interface WatchHandle {
  stop(): void;
}

export interface ObjectStore {
  /** The revision of the latest write (0 for an empty store). */
  currentRevision(): number;
  /**
   * The newest revision whose events have been dropped. A watch can start from any revision
   * `>= compactedRevision()`; older ones throw `KE_STORE_COMPACTED`.
   */
  compactedRevision(): number;

  get(key: string): StoreEntry | undefined;
  list(prefix: string, options?: ListOptions): ListResult;
  /** Number of keys under a prefix. */
  count(prefix: string): number;

  /** Throws `KE_STORE_EXISTS` when the key exists. */
  create(key: string, build: ValueBuilder): StoreEntry;
  /**
   * Replaces the value. Throws `KE_STORE_NOT_FOUND` when the key is absent and `KE_STORE_CONFLICT`
   * when `expectedModRevision` is given and differs from the key's modRevision.
   */
  update(key: string, build: ValueBuilder, expectedModRevision?: number): StoreEntry;
  /**
   * Deletes the key and returns its last entry, whose modRevision is the revision of the delete.
   * Same errors as update.
   */
  delete(key: string, expectedModRevision?: number): StoreEntry;

  /**
   * Streams every event under `prefix` with revision > `afterRevision`, in revision order, first
   * the retained history and then live writes. Events are delivered asynchronously (never inside the
   * write call). Throws `KE_STORE_COMPACTED` when `afterRevision < compactedRevision()`.
   */
  watch(prefix: string, afterRevision: number, onEvent: (event: StoreEvent) => void): WatchHandle;

  /** Drops the history of events with revision <= `revision`. */
  compact(revision: number): void;

  /**
   * Resolves when every write made so far is durable (writes may be committed in groups after the
   * call that made them returns). Acknowledge a write to a client only after this.
   */
  sync(): Promise<void>;

  /** Problems found by a full consistency check; empty when the store is sound. */
  integrityCheck(): string[];

  close(): void;
}

export const StoreErrorCodes = {
  exists: 'KE_STORE_EXISTS',
  notFound: 'KE_STORE_NOT_FOUND',
  conflict: 'KE_STORE_CONFLICT',
  compacted: 'KE_STORE_COMPACTED',
  closed: 'KE_STORE_CLOSED',
  corrupt: 'KE_STORE_CORRUPT',
} as const;
