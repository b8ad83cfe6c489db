import type { StoreEvent } from './types.js';

/**
 * The retained watch history in memory: events in revision order after the compacted revision.
 * Dropping the oldest events is O(1) (a moving head; the array is cut now and then).
 */
export class EventHistory {
  private events: StoreEvent[];
  private head = 0;
  private compacted: number;

  constructor(events: StoreEvent[], compactedRevision: number) {
    this.events = events;
    this.compacted = compactedRevision;
  }

  /** The newest dropped revision. */
  get compactedRevision(): number {
    return this.compacted;
  }

  /** Number of retained events. */
  get size(): number {
    return this.events.length - this.head;
  }

  /** The compacted revision once an event at `revision` is appended and at most `limit` are kept. */
  compactionAfterAppend(revision: number, limit: number): number {
    const retained = this.size + 1;
    const excess = retained - limit;
    if (excess <= 0) return this.compacted;
    return excess < retained ? this.events[this.head + excess - 1]!.revision : revision;
  }

  push(event: StoreEvent): void {
    this.events.push(event);
  }

  /** Drops the events with revision <= `revision` and makes it the compacted revision. */
  dropUpTo(revision: number): void {
    if (revision <= this.compacted) return;
    this.head = this.firstAfter(revision);
    this.compacted = revision;
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }

  /** Retained events after `revision` whose key starts with `prefix`, in revision order. */
  after(revision: number, prefix: string): StoreEvent[] {
    const out: StoreEvent[] = [];
    const h = this.events;
    for (let i = this.firstAfter(revision); i < h.length; i++) {
      const e = h[i]!;
      if (e.key.startsWith(prefix)) out.push(e);
    }
    return out;
  }

  /** A copy of the retained events. */
  retained(): StoreEvent[] {
    return this.events.slice(this.head);
  }

  /** Index of the first retained event whose revision is > `revision` (binary search). */
  private firstAfter(revision: number): number {
    const h = this.events;
    let lo = this.head;
    let hi = h.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (h[mid]!.revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
