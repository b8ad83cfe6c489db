/**
 * The scheduling queue, as kube-scheduler's: an active heap (higher priority first, then older
 * first), a backoff area (pods that failed wait backoff(attempts) before they are active again) and
 * an unschedulable area (pods nothing fits wait for a cluster change: moveAllToActive(), called on
 * node add/update and pod delete, or a periodic flush). A move request that comes while a pod is
 * being scheduled sends that pod to backoff rather than unschedulable, so the change is not missed.
 */
import { backoff, systemClock, type Clock } from '../../base/index.js';

export interface SchedulingQueueOptions {
  readonly clock?: Clock;
  /** Backoff of failed pods: ~baseMs (default 1 s) doubling up to maxMs (default 10 s). */
  readonly baseMs?: number;
  readonly maxMs?: number;
  /** Unschedulable pods are retried anyway after this long (default 60 s). */
  readonly unschedulableTimeoutMs?: number;
  readonly random?: () => number;
}

type State = 'active' | 'backoff' | 'unschedulable' | 'inflight';

interface Entry {
  readonly key: string;
  priority: number;
  readonly seq: number;
  state: State;
  /** Bumped whenever the entry enters the heap; stale heap nodes are skipped. */
  version: number;
  attempts: number;
  since: number;
  popCycle: number;
  timer: { cancel(): void } | undefined;
}

interface HeapNode {
  readonly entry: Entry;
  readonly version: number;
}

function before(a: HeapNode, b: HeapNode): boolean {
  return a.entry.priority !== b.entry.priority ? a.entry.priority > b.entry.priority : a.entry.seq < b.entry.seq;
}

export class SchedulingQueue {
  readonly #clock: Clock;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #flushMs: number;
  readonly #random: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #unschedulable = new Set<Entry>();
  readonly #heap: HeapNode[] = [];
  #waiters: ((key: string | undefined) => void)[] = [];
  #seq = 0;
  #moveCycle = 0;
  #cycle = 0;
  #closed = false;
  #flushTimer: { cancel(): void } | undefined;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.#clock = opts.clock ?? systemClock;
    this.#baseMs = opts.baseMs ?? 1000;
    this.#maxMs = opts.maxMs ?? 10_000;
    this.#flushMs = opts.unschedulableTimeoutMs ?? 60_000;
    this.#random = opts.random ?? Math.random;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Counts per area, for tests and metrics. */
  stats(): Record<State, number> {
    const out: Record<State, number> = { active: 0, backoff: 0, unschedulable: 0, inflight: 0 };
    for (const e of this.#entries.values()) out[e.state]++;
    return out;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** Adds a pending pod (no-op if queued already, but its priority is refreshed). */
  add(key: string, priority: number): void {
    if (this.#closed) return;
    const e = this.#entries.get(key);
    if (e !== undefined) {
      if (e.priority !== priority && e.state === 'active') {
        e.priority = priority;
        this.#push(e);
      } else e.priority = priority;
      return;
    }
    const entry: Entry = { key, priority, seq: this.#seq++, state: 'active', version: 0, attempts: 0, since: this.#clock.now(), popCycle: 0, timer: undefined };
    this.#entries.set(key, entry);
    this.#push(entry);
  }

  /** Makes a waiting pod active at once (its spec changed). */
  activate(key: string): void {
    const e = this.#entries.get(key);
    if (e === undefined || e.state === 'active' || e.state === 'inflight') return;
    this.#toActive(e);
  }

  /** Forgets a pod (bound, deleted, or no longer ours). */
  delete(key: string): void {
    const e = this.#entries.get(key);
    if (e === undefined) return;
    e.timer?.cancel();
    this.#unschedulable.delete(e);
    this.#entries.delete(key);
    e.state = 'inflight'; // stale heap nodes are skipped
    e.version++;
  }

  /** The next pod to schedule, waiting for one; undefined once closed or aborted. */
  pop(signal: AbortSignal): Promise<string | undefined> {
    const key = this.#tryPop();
    if (key !== undefined || this.#closed || signal.aborted) return Promise.resolve(key);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(undefined);
      };
      const waiter = (k: string | undefined): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(k);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Scheduling failed (an error): retry after the pod's backoff. */
  requeueBackoff(key: string): void {
    const e = this.#entries.get(key);
    if (e === undefined) return;
    e.attempts++;
    this.#toBackoff(e);
  }

  /** Nothing fits now: wait for a cluster change (or backoff, if one came during the attempt). */
  markUnschedulable(key: string): void {
    const e = this.#entries.get(key);
    if (e === undefined) return;
    e.attempts++;
    if (this.#moveCycle > e.popCycle) {
      this.#toBackoff(e);
      return;
    }
    e.state = 'unschedulable';
    e.since = this.#clock.now();
    this.#unschedulable.add(e);
    this.#armFlush();
  }

  /** The cluster changed: every unschedulable pod gets another try (after its backoff). */
  moveAllToActive(): void {
    this.#moveCycle = ++this.#cycle;
    for (const e of [...this.#unschedulable]) {
      this.#unschedulable.delete(e);
      this.#toBackoff(e, true);
    }
  }

  close(): void {
    this.#closed = true;
    for (const e of this.#entries.values()) e.timer?.cancel();
    this.#flushTimer?.cancel();
    const ws = this.#waiters;
    this.#waiters = [];
    for (const w of ws) w(undefined);
  }

  #tryPop(): string | undefined {
    for (;;) {
      const top = this.#heapPop();
      if (top === undefined) return undefined;
      const e = top.entry;
      if (e.state !== 'active' || e.version !== top.version || this.#entries.get(e.key) !== e) continue;
      e.state = 'inflight';
      e.popCycle = ++this.#cycle;
      return e.key;
    }
  }

  #toActive(e: Entry): void {
    e.timer?.cancel();
    e.timer = undefined;
    this.#unschedulable.delete(e);
    e.state = 'active';
    this.#push(e);
  }

  #toBackoff(e: Entry, fromMove = false): void {
    const wait = fromMove ? Math.max(0, e.since + this.#delay(e) - this.#clock.now()) : this.#delay(e);
    if (wait <= 0) {
      this.#toActive(e);
      return;
    }
    e.state = 'backoff';
    e.since = this.#clock.now();
    e.timer?.cancel();
    e.timer = this.#clock.setTimeout(() => {
      e.timer = undefined;
      if (this.#entries.get(e.key) === e && e.state === 'backoff') this.#toActive(e);
    }, wait);
  }

  #delay(e: Entry): number {
    return e.attempts === 0 ? 0 : backoff(e.attempts - 1, { baseMs: this.#baseMs, maxMs: this.#maxMs, random: this.#random });
  }

  #armFlush(): void {
    if (this.#flushTimer !== undefined || this.#closed) return;
    this.#flushTimer = this.#clock.setTimeout(() => {
      this.#flushTimer = undefined;
      const now = this.#clock.now();
      for (const e of [...this.#unschedulable]) {
        if (now - e.since >= this.#flushMs) this.#toActive(e);
      }
      if (this.#unschedulable.size > 0) this.#armFlush();
    }, Math.max(10, this.#flushMs / 4));
  }

  #push(e: Entry): void {
    e.version++;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      e.state = 'inflight';
      e.popCycle = ++this.#cycle;
      waiter(e.key);
      return;
    }
    const h = this.#heap;
    h.push({ entry: e, version: e.version });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const hi = h[i];
      const hp = h[p];
      if (hi === undefined || hp === undefined || !before(hi, hp)) break;
      h[i] = hp;
      h[p] = hi;
      i = p;
    }
  }

  #heapPop(): HeapNode | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      const hl = h[l];
      const hr = h[r];
      let cur = h[m];
      if (hl !== undefined && cur !== undefined && before(hl, cur)) {
        m = l;
        cur = hl;
      }
      if (hr !== undefined && cur !== undefined && before(hr, cur)) m = r;
      if (m === i) break;
      const a = h[i];
      const b = h[m];
      if (a === undefined || b === undefined) break;
      h[i] = b;
      h[m] = a;
      i = m;
    }
    return top;
  }
}
