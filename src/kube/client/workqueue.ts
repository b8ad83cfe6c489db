/**
 * A rate-limited work queue of keys, as client-go's: a key is queued at most once; a key added
 * while a worker holds it is queued again when the worker calls done(); failed keys come back after
 * a per-key exponential backoff with jitter (the one `backoff()`), reset by forget(). The clock is
 * injectable so tests never sleep.
 */
import { setMaxListeners } from 'node:events';
import { backoff, systemClock, type Clock } from '../../base/index.js';

export interface WorkQueueOptions {
  readonly clock?: Clock;
  readonly random?: () => number;
  /** Backoff of addRateLimited: first retry after ~baseMs (default 5 ms), doubling up to maxMs (default 60 s). */
  readonly baseMs?: number;
  readonly maxMs?: number;
  readonly name?: string;
}

interface Waiter<K> {
  resolve(key: K | undefined): void;
}

/** FIFO of keys with O(1) push and shift. */
class Fifo<K> {
  #items: (K | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(k: K): void {
    this.#items.push(k);
  }

  shift(): K | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const k = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return k;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}

export class WorkQueue<K extends string = string> {
  readonly name: string;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #queue = new Fifo<K>();
  /** Keys that need processing (queued, or re-added while processing). */
  readonly #dirty = new Set<K>();
  readonly #processing = new Set<K>();
  readonly #waiters: Waiter<K>[] = [];
  readonly #delayed = new Map<K, { at: number; cancel(): void }>();
  readonly #failures = new Map<K, number>();
  #shutDown = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.name = opts.name ?? 'queue';
    this.#clock = opts.clock ?? systemClock;
    this.#random = opts.random ?? Math.random;
    this.#baseMs = opts.baseMs ?? 5;
    this.#maxMs = opts.maxMs ?? 60_000;
  }

  /** Queues `key` unless it is already waiting (dedup). Ignored after shutDown(). */
  add(key: K): void {
    if (this.#shutDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return; // done() queues it again
    this.#push(key);
  }

  #push(key: K): void {
    const w = this.#waiters.shift();
    if (w !== undefined) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      w.resolve(key);
      return;
    }
    this.#queue.push(key);
  }

  /** Queues `key` after `ms`; if it is already waiting for an earlier time, that time stands. */
  addAfter(key: K, ms: number): void {
    if (this.#shutDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.#clock.now() + ms;
    const existing = this.#delayed.get(key);
    if (existing !== undefined) {
      if (existing.at <= at) return;
      existing.cancel();
    }
    const t = this.#clock.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, ms);
    this.#delayed.set(key, { at, cancel: () => t.cancel() });
  }

  /** Queues `key` after its next backoff delay (grows with each call until forget()). */
  addRateLimited(key: K): void {
    const n = this.#failures.get(key) ?? 0;
    this.#failures.set(key, n + 1);
    this.addAfter(key, backoff(n, { baseMs: this.#baseMs, maxMs: this.#maxMs, random: this.#random }));
  }

  /** Resets the backoff of `key` (call after it was processed successfully). */
  forget(key: K): void {
    this.#failures.delete(key);
  }

  /** How many times `key` has been rate-limited since its last forget(). */
  numRequeues(key: K): number {
    return this.#failures.get(key) ?? 0;
  }

  /**
   * The next key, marked as processing until done(key). Waits while the queue is empty; undefined
   * once the queue is shut down or `signal` aborts.
   */
  get(signal?: AbortSignal): Promise<K | undefined> {
    if (this.#shutDown || signal?.aborted === true) return Promise.resolve(undefined);
    const key = this.#queue.shift();
    if (key !== undefined) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise<K | undefined>((resolve) => {
      const waiter: Waiter<K> = {
        resolve: (k) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(k);
        },
      };
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        resolve(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Ends processing of `key`; if it was added meanwhile, it is queued again. */
  done(key: K): void {
    if (!this.#processing.delete(key)) return;
    if (this.#dirty.has(key) && !this.#shutDown) this.#push(key);
  }

  /** Keys waiting to be handed out (not counting delayed or processing ones). */
  len(): number {
    return this.#queue.length;
  }

  get processing(): number {
    return this.#processing.size;
  }

  get delayed(): number {
    return this.#delayed.size;
  }

  get isShutDown(): boolean {
    return this.#shutDown;
  }

  /** Stops the queue: waiting and later get() calls answer undefined; queued and delayed keys are dropped. */
  shutDown(): void {
    if (this.#shutDown) return;
    this.#shutDown = true;
    for (const d of this.#delayed.values()) d.cancel();
    this.#delayed.clear();
    this.#queue.clear();
    this.#dirty.clear();
    for (const w of this.#waiters.splice(0)) w.resolve(undefined);
  }
}

export interface RunWorkersOptions<K extends string> {
  /** Called when the handler throws (before the key is rate-limited). */
  readonly onError?: (key: K, err: unknown) => void;
  /** Give up on a key after this many consecutive failures (default: never); it is forgotten. */
  readonly maxRetries?: number;
}

/**
 * Runs `n` workers until the queue shuts down or `signal` aborts: each takes a key, awaits
 * handler(key, signal), forgets the key on success and re-adds it rate-limited on a throw. Resolves
 * when every worker has stopped.
 */
export async function runWorkers<K extends string>(
  queue: WorkQueue<K>,
  n: number,
  handler: (key: K, signal: AbortSignal) => Promise<void> | void,
  signal: AbortSignal,
  opts: RunWorkersOptions<K> = {},
): Promise<void> {
  // one listener on the caller's signal; the workers and their requests listen on this one
  const inner = new AbortController();
  setMaxListeners(0, inner.signal);
  const onAbort = (): void => inner.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const worker = async (): Promise<void> => {
    const signal = inner.signal;
    for (;;) {
      const key = await queue.get(signal);
      if (key === undefined) return;
      try {
        await handler(key, signal);
        queue.forget(key);
      } catch (err) {
        if (opts.onError !== undefined) {
          try {
            opts.onError(key, err);
          } catch {
            // a reporter that throws is ignored
          }
        }
        if (signal.aborted) return;
        if (opts.maxRetries !== undefined && queue.numRequeues(key) >= opts.maxRetries) queue.forget(key);
        else queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, n) }, () => worker()));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

