/**
 * Records core/v1 Events about objects, as client-go's EventRecorder + EventCorrelator: the first
 * occurrence creates `<object>.<hex>`; identical events (same object, type, reason, message) within
 * 10 minutes bump `count` and `lastTimestamp` of that Event with a merge patch instead. Recording is
 * fire-and-forget: a bounded queue with a few requests in flight; when the queue is full the event
 * is dropped and counted. event() never throws.
 */
import { systemClock, type Clock } from '../../base/index.js';
import type { KubeClient } from './client.js';
import { isNotFound } from './errors.js';
import { RESOURCES } from './resources.js';
import type { KubeObject, V1Event, V1ObjectReference } from './types.js';

export type EventKind = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  /** source.host and reportingInstance (default: the component). */
  readonly host?: string;
  readonly clock?: Clock;
  /** Events waiting or in flight beyond which new ones are dropped (default 1000). */
  readonly maxQueued?: number;
  /** Requests in flight at once (default 4), so events never crowd out real work. */
  readonly concurrency?: number;
  /** Identical events within this window are aggregated (default 10 min). */
  readonly aggregateWindowMs?: number;
  /** Distinct events remembered for aggregation (default 4096, oldest forgotten first). */
  readonly maxRemembered?: number;
  readonly timeoutMs?: number;
  readonly onError?: (err: unknown) => void;
}

export interface EventRecorderStats {
  /** Events created or patched. */
  readonly sent: number;
  /** Events not recorded because the queue was full. */
  readonly dropped: number;
  /** Requests that failed. */
  readonly failed: number;
  /** Events waiting or in flight. */
  readonly pending: number;
}

interface Entry {
  readonly name: string;
  readonly namespace: string;
  readonly body: V1Event;
  count: number;
  lastMs: number;
  lastTimestamp: string;
  created: boolean;
  busy: boolean;
  dirty: boolean;
}

/** RFC 3339 with second precision, as Kubernetes writes metav1.Time. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const MAX_MESSAGE = 1024;

export class EventRecorder {
  readonly component: string;
  readonly #client: Pick<KubeClient, 'create' | 'patch'>;
  readonly #host: string;
  readonly #clock: Clock;
  readonly #maxQueued: number;
  readonly #concurrency: number;
  readonly #window: number;
  readonly #maxRemembered: number;
  readonly #timeoutMs: number;
  readonly #onError: ((err: unknown) => void) | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #queue: Entry[] = [];
  readonly #idle: (() => void)[] = [];
  #active = 0;
  #seq = 0;
  #sent = 0;
  #dropped = 0;
  #failed = 0;

  constructor(client: Pick<KubeClient, 'create' | 'patch'>, component: string, opts: EventRecorderOptions = {}) {
    this.#client = client;
    this.component = component;
    this.#host = opts.host ?? component;
    this.#clock = opts.clock ?? systemClock;
    this.#maxQueued = opts.maxQueued ?? 1000;
    this.#concurrency = opts.concurrency ?? 4;
    this.#window = opts.aggregateWindowMs ?? 10 * 60_000;
    this.#maxRemembered = opts.maxRemembered ?? 4096;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#onError = opts.onError;
  }

  get stats(): EventRecorderStats {
    return { sent: this.#sent, dropped: this.#dropped, failed: this.#failed, pending: this.#queue.length + this.#active };
  }

  /** Records an event about `obj` (which needs kind and metadata.name). Never throws. */
  event(obj: KubeObject, type: EventKind, reason: string, message: string): void {
    try {
      this.#record(obj, type, reason, message);
    } catch (err) {
      this.#fail(err);
    }
  }

  #record(obj: KubeObject, type: EventKind, reason: string, message: string): void {
    const meta = obj.metadata ?? {};
    const objName = meta.name ?? '';
    if (objName === '') return;
    const namespace = meta.namespace !== undefined && meta.namespace !== '' ? meta.namespace : 'default';
    const msg = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message;
    const kind = obj.kind ?? '';
    const key = [kind, namespace, objName, meta.uid ?? '', type, reason, msg].join('\u0000');
    const now = this.#clock.now();
    const ts = rfc3339(now);
    const known = this.#entries.get(key);
    if (known !== undefined && now - known.lastMs <= this.#window) {
      known.count++;
      known.lastMs = now;
      known.lastTimestamp = ts;
      this.#entries.delete(key); // most recently used last
      this.#entries.set(key, known);
      this.#schedule(known);
      return;
    }
    const involvedObject: V1ObjectReference = {
      kind,
      name: objName,
      ...(obj.apiVersion === undefined ? {} : { apiVersion: obj.apiVersion }),
      ...(meta.namespace === undefined || meta.namespace === '' ? {} : { namespace: meta.namespace }),
      ...(meta.uid === undefined ? {} : { uid: meta.uid }),
      ...(meta.resourceVersion === undefined ? {} : { resourceVersion: meta.resourceVersion }),
    };
    const name = `${objName}.${this.#suffix(now)}`;
    const body: V1Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject,
      reason,
      message: msg,
      type,
      source: { component: this.component, host: this.#host },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      reportingComponent: this.component,
      reportingInstance: this.#host,
    };
    const entry: Entry = { name, namespace, body, count: 1, lastMs: now, lastTimestamp: ts, created: false, busy: false, dirty: false };
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#maxRemembered) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    this.#schedule(entry);
  }

  /** Hex of the time in nanoseconds (as client-go), made unique within this recorder. */
  #suffix(now: number): string {
    this.#seq = (this.#seq + 1) % 1_000_000;
    return (BigInt(now) * 1_000_000n + BigInt(this.#seq)).toString(16);
  }

  #schedule(entry: Entry): void {
    if (entry.busy) {
      entry.dirty = true; // sent again with the latest count when the current request ends
      return;
    }
    if (this.#queue.length + this.#active >= this.#maxQueued) {
      this.#dropped++;
      return;
    }
    entry.busy = true;
    this.#queue.push(entry);
    this.#pump();
  }

  #pump(): void {
    while (this.#active < this.#concurrency) {
      const entry = this.#queue.shift();
      if (entry === undefined) break;
      this.#active++;
      void this.#send(entry).finally(() => {
        this.#active--;
        entry.busy = false;
        if (entry.dirty) {
          entry.dirty = false;
          this.#schedule(entry);
        }
        this.#pump();
        if (this.#active === 0 && this.#queue.length === 0) for (const f of this.#idle.splice(0)) f();
      });
    }
  }

  async #send(entry: Entry): Promise<void> {
    const opts = { timeoutMs: this.#timeoutMs };
    try {
      if (entry.created) {
        try {
          await this.#client.patch(RESOURCES.events, entry.namespace, entry.name, { count: entry.count, lastTimestamp: entry.lastTimestamp }, { type: 'merge', ...opts });
          this.#sent++;
          return;
        } catch (err) {
          if (!isNotFound(err)) throw err;
          entry.created = false; // the Event expired or was deleted: create it again
        }
      }
      await this.#client.create(RESOURCES.events, { ...entry.body, count: entry.count, lastTimestamp: entry.lastTimestamp }, opts);
      entry.created = true;
      this.#sent++;
    } catch (err) {
      this.#fail(err);
    }
  }

  #fail(err: unknown): void {
    this.#failed++;
    if (this.#onError === undefined) return;
    try {
      this.#onError(err);
    } catch {
      // ignored: recording must never throw
    }
  }

  /** Resolves when nothing is waiting or in flight (or after `timeoutMs`, default 10 s). */
  flush(timeoutMs = 10_000): Promise<void> {
    if (this.#active === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.#idle.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

