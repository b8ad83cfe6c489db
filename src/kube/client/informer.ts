/**
 * A shared informer for one resource (and optional namespace / selectors), as client-go's
 * reflector + indexer + shared informer: list (paged), then watch from the list's resourceVersion
 * with bookmarks, re-watching from the last seen resourceVersion whenever a watch ends; on errors
 * it retries with jittered backoff; on 410 (an ERROR event or a refused watch) it lists again and
 * turns the differences into add / update / delete callbacks. A watch refused because the server
 * has not reached our resourceVersion (504 ResourceVersionTooLarge) also ends in a relist, after
 * the backoff.
 *
 * Callbacks are synchronous and run on the stream: keep them short (enqueue a key). They see the
 * cache already updated. A delete callback gets the object's last state (from the DELETED event,
 * or from the cache when a relist found it gone). Objects are the parsed JSON, shared with the
 * cache: never mutate them.
 */
import { backoff, deferred, getPath, KeError, systemClock, type Clock } from '../../base/index.js';
import type { ListWatch } from './client.js';
import { errorFromStatus, isGone, isResourceVersionTooLarge } from './errors.js';
import { InformerCache, type IndexFunc } from './informer-cache.js';
import { keyOf, objectKey } from './resources.js';
import type { KubeObject, WatchEvent } from './types.js';

export type AddHandler<T> = (obj: T) => void;
export type UpdateHandler<T> = (oldObj: T, newObj: T) => void;
export type DeleteHandler<T> = (obj: T) => void;
export type InformerErrorSite = 'list' | 'watch' | 'handler';

export interface SharedInformerOptions<T> {
  /** For error reports, e.g. "pods". */
  readonly name?: string;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /** Applied to every object before it is cached (e.g. drop managedFields to save memory). */
  readonly transform?: (obj: T) => T;
  readonly onError?: (err: unknown, site: InformerErrorSite) => void;
  /** A watch that ends with no event sooner than this counts as a failure (default 1 s). */
  readonly minWatchMs?: number;
}

export interface InformerStats {
  lists: number;
  watches: number;
  /** Lists after the first (410s). */
  relists: number;
  errors: number;
}

function rvOf(obj: KubeObject | undefined): string {
  return obj?.metadata?.resourceVersion ?? '';
}

/** Resolves after `ms` on `clock`, or at once when `signal` aborts (never rejects). */
export function clockSleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      t.cancel();
      resolve();
    };
    const t = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class SharedInformer<T extends KubeObject> {
  readonly name: string;
  readonly #source: ListWatch<T>;
  readonly #cache = new InformerCache<T>();
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #backoff: { baseMs: number; maxMs: number };
  readonly #transform: ((obj: T) => T) | undefined;
  readonly #onError: ((err: unknown, site: InformerErrorSite) => void) | undefined;
  readonly #minWatchMs: number;
  readonly #adds = new Set<AddHandler<T>>();
  readonly #updates = new Set<UpdateHandler<T>>();
  readonly #deletes = new Set<DeleteHandler<T>>();
  readonly #synced = deferred<void>();
  readonly #stats: InformerStats = { lists: 0, watches: 0, relists: 0, errors: 0 };
  #hasSynced = false;
  #rv = '';
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;

  /** Resolves once the first list has been delivered to the handlers; rejects (KE_KUBE_INFORMER_STOPPED) if stopped before. */
  readonly synced: Promise<void>;

  constructor(source: ListWatch<T>, opts: SharedInformerOptions<T> = {}) {
    this.name = opts.name ?? 'informer';
    this.#source = source;
    this.#clock = opts.clock ?? systemClock;
    this.#random = opts.random ?? Math.random;
    this.#backoff = { baseMs: opts.backoff?.baseMs ?? 500, maxMs: opts.backoff?.maxMs ?? 30_000 };
    this.#transform = opts.transform;
    this.#onError = opts.onError;
    this.#minWatchMs = opts.minWatchMs ?? 1000;
    this.synced = this.#synced.promise;
    this.synced.catch(() => undefined); // nobody has to wait for it
  }

  get hasSynced(): boolean {
    return this.#hasSynced;
  }

  /** The resourceVersion of the last list, event or bookmark seen. */
  get lastSyncResourceVersion(): string {
    return this.#rv;
  }

  get stats(): Readonly<InformerStats> {
    return { ...this.#stats };
  }

  get running(): boolean {
    return this.#abort !== undefined && !this.#abort.signal.aborted;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#cache.get(keyOf(namespace, name));
  }

  getByKey(key: string): T | undefined {
    return this.#cache.get(key);
  }

  list(): T[] {
    return this.#cache.list();
  }

  keys(): string[] {
    return this.#cache.keys();
  }

  get size(): number {
    return this.#cache.size;
  }

  addIndex(name: string, fn: IndexFunc<T>): void {
    this.#cache.addIndex(name, fn);
  }

  hasIndex(name: string): boolean {
    return this.#cache.hasIndex(name);
  }

  byIndex(name: string, value: string): T[] {
    return this.#cache.byIndex(name, value);
  }

  indexKeys(name: string, value: string): string[] {
    return this.#cache.indexKeys(name, value);
  }

  /** Registers an add handler; objects already cached are replayed to it at once. Returns the unsubscribe. */
  onAdd(fn: AddHandler<T>): () => void {
    this.#adds.add(fn);
    for (const obj of this.#cache.list()) this.#call(() => fn(obj));
    return () => this.#adds.delete(fn);
  }

  onUpdate(fn: UpdateHandler<T>): () => void {
    this.#updates.add(fn);
    return () => this.#updates.delete(fn);
  }

  onDelete(fn: DeleteHandler<T>): () => void {
    this.#deletes.add(fn);
    return () => this.#deletes.delete(fn);
  }

  /** Starts list + watch (idempotent). Stops when `signal` aborts or stop() is called. */
  start(signal?: AbortSignal): void {
    if (this.#loop !== undefined) return;
    const abort = new AbortController();
    this.#abort = abort;
    if (signal !== undefined) {
      if (signal.aborted) abort.abort(signal.reason);
      else signal.addEventListener('abort', () => abort.abort(signal.reason), { once: true, signal: abort.signal });
    }
    this.#loop = this.#run(abort.signal).finally(() => {
      abort.abort();
      if (!this.#hasSynced) this.#synced.reject(new KeError('KE_KUBE_INFORMER_STOPPED', `${this.name}: stopped before its first list`));
    });
  }

  /** Stops the loop and waits until it has exited. The cache keeps its last contents. */
  async stop(): Promise<void> {
    this.#abort?.abort();
    await this.#loop;
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#report(err, 'handler');
    }
  }

  #report(err: unknown, site: InformerErrorSite): void {
    if (site !== 'handler') this.#stats.errors++;
    if (this.#onError === undefined) return;
    try {
      this.#onError(err, site);
    } catch {
      // an error reporter that throws is ignored
    }
  }

  #fireAdd(obj: T): void {
    for (const h of this.#adds) this.#call(() => h(obj));
  }

  #fireUpdate(old: T, obj: T): void {
    for (const h of this.#updates) this.#call(() => h(old, obj));
  }

  #fireDelete(obj: T): void {
    for (const h of this.#deletes) this.#call(() => h(obj));
  }

  #prepare(obj: T): T {
    return this.#transform === undefined ? obj : this.#transform(obj);
  }

  /**
   * Replaces the cache with a fresh list and calls the handlers for the differences: add for new
   * keys, update for changed resourceVersions, delete for keys no longer listed. Exposed for tests.
   */
  replace(items: readonly T[], resourceVersion: string): void {
    const added: T[] = [];
    const updated: [T, T][] = [];
    const seen = new Set<string>();
    for (const raw of items) {
      const obj = this.#prepare(raw);
      const key = objectKey(obj);
      if (key === '') continue;
      seen.add(key);
      const old = this.#cache.set(key, obj);
      if (old === undefined) added.push(obj);
      else if (rvOf(old) !== rvOf(obj)) updated.push([old, obj]);
    }
    const deleted: T[] = [];
    for (const [key, obj] of this.#cache.entries()) if (!seen.has(key)) deleted.push(obj);
    for (const obj of deleted) this.#cache.delete(objectKey(obj));
    this.#rv = resourceVersion;
    for (const obj of added) this.#fireAdd(obj);
    for (const [old, obj] of updated) this.#fireUpdate(old, obj);
    for (const obj of deleted) this.#fireDelete(obj);
  }

  /** Applies one watch event to the cache and handlers. Throws the Status of an ERROR event. Exposed for tests. */
  apply(ev: WatchEvent<T>): void {
    switch (ev.type) {
      case 'BOOKMARK': {
        const rv = rvOf(ev.object);
        if (rv !== '') this.#rv = rv;
        return;
      }
      case 'ERROR': {
        const code = getPath(ev.object, ['code']);
        throw errorFromStatus(typeof code === 'number' ? code : 500, ev.object, `${this.name}: watch`);
      }
      case 'ADDED':
      case 'MODIFIED': {
        const obj = this.#prepare(ev.object);
        const key = objectKey(obj);
        if (key === '') return;
        const old = this.#cache.set(key, obj);
        this.#rv = rvOf(obj) || this.#rv;
        if (old === undefined) this.#fireAdd(obj);
        else this.#fireUpdate(old, obj);
        return;
      }
      case 'DELETED': {
        const obj = this.#prepare(ev.object);
        const key = objectKey(obj);
        this.#rv = rvOf(obj) || this.#rv;
        if (key === '' || this.#cache.delete(key) === undefined) return;
        this.#fireDelete(obj);
        return;
      }
    }
  }

  async #run(signal: AbortSignal): Promise<void> {
    let needList = true;
    let failures = 0;
    let goneStreak = 0;
    const pause = async (): Promise<void> => {
      await clockSleep(this.#clock, backoff(failures, { ...this.#backoff, random: this.#random }), signal);
      failures++;
    };
    while (!signal.aborted) {
      try {
        if (needList) {
          const listed = await this.#source.list(signal);
          if (signal.aborted) break;
          if (this.#stats.lists > 0) this.#stats.relists++;
          this.#stats.lists++;
          this.replace(listed.items, listed.resourceVersion);
          needList = false;
          failures = 0;
          if (!this.#hasSynced) {
            this.#hasSynced = true;
            this.#synced.resolve();
          }
        }
        const started = this.#clock.now();
        let events = 0;
        this.#stats.watches++;
        for await (const ev of this.#source.watch(this.#rv, signal)) {
          if (signal.aborted) break;
          this.apply(ev);
          events++;
          failures = 0;
          goneStreak = 0;
        }
        if (signal.aborted) break;
        // a watch that closes at once with nothing in it is treated as a failure (no hot loop)
        if (events === 0 && this.#clock.now() - started < this.#minWatchMs) await pause();
      } catch (err) {
        if (signal.aborted) break;
        if (isGone(err)) {
          // our resourceVersion left the server's history: list again, at once the first time
          needList = true;
          if (goneStreak++ > 0) await pause();
          continue;
        }
        this.#report(err, needList ? 'list' : 'watch');
        await pause();
        // the server is behind our resourceVersion (or its history restarted): start from a list
        if (isResourceVersionTooLarge(err)) needList = true;
      }
    }
  }
}
