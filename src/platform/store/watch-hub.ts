import { bucketOf } from './entry-index.js';
import type { StoreEvent, WatchHandle } from './types.js';

interface Watcher {
  readonly prefix: string;
  /** Live events with a revision <= this one are not delivered (they are in the backlog or skipped). */
  readonly since: number;
  readonly onEvent: (event: StoreEvent) => void;
  active: boolean;
  /** Retained history still to deliver before any live event. */
  backlog: readonly StoreEvent[] | undefined;
}

type Group = Map<string, Set<Watcher>>;

/**
 * Routes store events to watchers. Writes only queue the event; one `setImmediate` flush per batch
 * of writes delivers the queue, so delivery never runs inside a write. Watchers are indexed by the
 * bucket of their prefix, so an event is matched only against prefixes of its own resource (plus
 * the rare prefixes that span buckets), however many watchers there are.
 */
export class WatchHub {
  /** bucket → prefix → watchers. */
  private readonly byBucket = new Map<string, Group>();
  /** Prefixes with fewer than three `/`: checked against every event. */
  private readonly broad: Group = new Map();
  private pending: StoreEvent[] = [];
  private backlogged: Watcher[] = [];
  private scheduled: ReturnType<typeof setImmediate> | undefined;
  private watchers = 0;

  constructor(private readonly onError: (err: unknown) => void) {}

  get size(): number {
    return this.watchers;
  }

  /** Registers a watcher; `backlog` (history after its start revision) is delivered first. */
  add(prefix: string, since: number, backlog: readonly StoreEvent[], onEvent: (event: StoreEvent) => void): WatchHandle {
    const w: Watcher = { prefix, since, onEvent, active: true, backlog: backlog.length > 0 ? backlog : undefined };
    const group = this.groupFor(prefix, true);
    let set = group.get(prefix);
    if (set === undefined) {
      set = new Set();
      group.set(prefix, set);
    }
    set.add(w);
    this.watchers++;
    if (w.backlog !== undefined) {
      this.backlogged.push(w);
      this.schedule();
    }
    return { stop: () => this.remove(w) };
  }

  /** Queues an event for delivery (called after the write committed). */
  publish(event: StoreEvent): void {
    if (this.watchers === 0) return; // a later watcher replays it from the history
    this.pending.push(event);
    this.schedule();
  }

  /** Stops every watcher and drops what is queued. */
  close(): void {
    for (const group of [this.broad, ...this.byBucket.values()]) {
      for (const set of group.values()) for (const w of set) this.deactivate(w);
    }
    this.byBucket.clear();
    this.broad.clear();
    this.pending = [];
    this.backlogged = [];
    this.watchers = 0;
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
  }

  private schedule(): void {
    if (this.scheduled === undefined) this.scheduled = setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = undefined;
    const backlogged = this.backlogged;
    this.backlogged = [];
    for (const w of backlogged) {
      const backlog = w.backlog;
      w.backlog = undefined;
      if (backlog === undefined) continue;
      for (const e of backlog) {
        if (!w.active) break;
        this.deliver(w, e);
      }
    }
    const events = this.pending;
    this.pending = [];
    for (const e of events) {
      const b = bucketOf(e.key);
      const group = b === undefined ? undefined : this.byBucket.get(b);
      if (group !== undefined) this.deliverToGroup(group, e);
      if (this.broad.size > 0) this.deliverToGroup(this.broad, e);
    }
  }

  private deliverToGroup(group: Group, e: StoreEvent): void {
    for (const [prefix, set] of group) {
      if (!e.key.startsWith(prefix)) continue;
      for (const w of set) if (w.active && e.revision > w.since) this.deliver(w, e);
    }
  }

  private deliver(w: Watcher, e: StoreEvent): void {
    try {
      w.onEvent(e);
    } catch (err) {
      this.onError(err);
    }
  }

  private remove(w: Watcher): void {
    if (!w.active) return;
    this.deactivate(w);
    this.watchers--;
    const b = bucketOf(w.prefix);
    const group = this.groupFor(w.prefix, false);
    const set = group?.get(w.prefix);
    if (group === undefined || set === undefined) return;
    set.delete(w);
    if (set.size > 0) return;
    group.delete(w.prefix);
    if (group.size === 0 && b !== undefined) this.byBucket.delete(b);
  }

  private deactivate(w: Watcher): void {
    w.active = false;
    w.backlog = undefined;
  }

  private groupFor(prefix: string, create: true): Group;
  private groupFor(prefix: string, create: false): Group | undefined;
  private groupFor(prefix: string, create: boolean): Group | undefined {
    const b = bucketOf(prefix);
    if (b === undefined) return this.broad;
    let group = this.byBucket.get(b);
    if (group === undefined && create) {
      group = new Map();
      this.byBucket.set(b, group);
    }
    return group;
  }
}
