/**
 * One shared informer per (resource, namespace, label selector, field selector) for everyone in the
 * process, as client-go's SharedInformerFactory. Informers asked for after start() start at once.
 */
import { setMaxListeners } from 'node:events';
import { KeError, systemClock, type Clock } from '../../base/index.js';
import type { KubeClient, ListWatch, SelectorOptions } from './client.js';
import { abortedError } from './errors.js';
import { SharedInformer, type InformerErrorSite } from './informer.js';
import type { ResourceRef } from './resources.js';
import type { KubeObject } from './types.js';

export interface InformerFactoryOptions {
  readonly clock?: Clock;
  /** Informer errors (list/watch failures before a retry, handler exceptions). */
  readonly onError?: (err: unknown, informer: string, site: InformerErrorSite) => void;
  /**
   * Drop metadata.managedFields from cached objects (default true): they are a third of a typical
   * object and no controller reads them. Objects are shallow-copied at the top and metadata.
   */
  readonly dropManagedFields?: boolean;
  /** Page size of the lists (default 500). */
  readonly pageSize?: number;
  /** Server-side watch timeout before a re-watch (default 300 s). */
  readonly watchTimeoutSeconds?: number;
}

/** The source an informer lists and watches from; KubeClient provides it. */
export interface ListWatchProvider {
  listWatch<T extends KubeObject>(ref: ResourceRef<T>, sel: SelectorOptions, opts: { readonly pageSize?: number; readonly timeoutSeconds?: number }): ListWatch<T>;
}

export function dropManagedFields<T extends KubeObject>(obj: T): T {
  const meta = obj.metadata;
  if (meta === undefined || meta.managedFields === undefined) return obj;
  const { managedFields: _dropped, ...rest } = meta;
  return { ...obj, metadata: rest };
}

function informerKey(ref: ResourceRef, sel: SelectorOptions): string {
  return [ref.group, ref.version, ref.plural, sel.namespace ?? '', sel.labelSelector ?? '', sel.fieldSelector ?? ''].join('|');
}

function informerName(ref: ResourceRef, sel: SelectorOptions): string {
  const parts = [ref.group === '' ? ref.plural : `${ref.plural}.${ref.group}`];
  if (sel.namespace) parts.push(`ns=${sel.namespace}`);
  if (sel.labelSelector) parts.push(`labels=${sel.labelSelector}`);
  if (sel.fieldSelector) parts.push(`fields=${sel.fieldSelector}`);
  return parts.join(' ');
}

export class InformerFactory {
  readonly #source: ListWatchProvider;
  readonly #opts: InformerFactoryOptions;
  readonly #informers = new Map<string, SharedInformer<KubeObject>>();
  #signal: AbortSignal | undefined;
  #inner: AbortController | undefined;

  constructor(source: KubeClient | ListWatchProvider, opts: InformerFactoryOptions = {}) {
    this.#source = source;
    this.#opts = opts;
  }

  /** The one shared informer for `ref` and these selectors (created on first use). */
  informer<T extends KubeObject>(ref: ResourceRef<T>, sel: SelectorOptions = {}): SharedInformer<T> {
    const key = informerKey(ref, sel);
    const found: unknown = this.#informers.get(key);
    if (found !== undefined) return found as SharedInformer<T>;
    const name = informerName(ref, sel);
    const onError = this.#opts.onError;
    const lw = this.#source.listWatch(ref, sel, {
      ...(this.#opts.pageSize === undefined ? {} : { pageSize: this.#opts.pageSize }),
      ...(this.#opts.watchTimeoutSeconds === undefined ? {} : { timeoutSeconds: this.#opts.watchTimeoutSeconds }),
    });
    const informer = new SharedInformer<T>(lw, {
      name,
      clock: this.#opts.clock ?? systemClock,
      ...(this.#opts.dropManagedFields === false ? {} : { transform: dropManagedFields }),
      ...(onError === undefined ? {} : { onError: (err: unknown, site: InformerErrorSite) => onError(err, name, site) }),
    });
    const stored: unknown = informer;
    this.#informers.set(key, stored as SharedInformer<KubeObject>);
    if (this.#signal !== undefined) informer.start(this.#signal);
    return informer;
  }

  informers(): SharedInformer<KubeObject>[] {
    return [...this.#informers.values()];
  }

  /** Starts every informer made so far, and any made later, until `signal` aborts. */
  start(signal: AbortSignal): void {
    if (this.#signal !== undefined) return;
    // one listener on the caller's signal, however many informers there are
    const inner = new AbortController();
    setMaxListeners(0, inner.signal);
    if (signal.aborted) inner.abort(signal.reason);
    else signal.addEventListener('abort', () => inner.abort(signal.reason), { once: true, signal: inner.signal });
    this.#inner = inner;
    this.#signal = inner.signal;
    for (const inf of this.#informers.values()) inf.start(inner.signal);
  }

  /** Resolves when every informer has delivered its first list; KE_KUBE_SYNC_TIMEOUT names those that did not. */
  async waitForSync(signal: AbortSignal, timeoutMs: number): Promise<void> {
    const all = this.informers();
    if (all.every((i) => i.hasSynced)) return;
    await new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        cleanup();
        reject(abortedError('waiting for informers to sync', signal.reason));
      };
      const timer = setTimeout(() => {
        cleanup();
        const waiting = all.filter((i) => !i.hasSynced).map((i) => i.name);
        reject(new KeError('KE_KUBE_SYNC_TIMEOUT', `informers not synced within ${timeoutMs} ms: ${waiting.join(', ')}`, { details: { waiting } }));
      }, timeoutMs);
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      Promise.all(all.map((i) => i.synced)).then(
        () => {
          cleanup();
          resolve();
        },
        (err: unknown) => {
          cleanup();
          reject(err);
        },
      );
    });
  }

  /** Stops every informer and waits for their loops to exit. */
  async stop(): Promise<void> {
    this.#inner?.abort();
    await Promise.all(this.informers().map((i) => i.stop()));
  }
}
