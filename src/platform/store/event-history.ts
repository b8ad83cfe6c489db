import type { StoreEvent } from './types.js';

/**
 * The retained watch history in memory: events in revision order after the compacted revision.
 * Dropping the oldest events is O(1) (a moving head; the array is cut now and then).
 */
export class EventHistory {
  private events: StoreEvent[];
  /** Approximate bytes of each event (its JSON text), parallel to `events`. */
  private sizes: number[];
  private head = 0;
  private compacted: number;
  private retainedBytes = 0;

  constructor(events: StoreEvent[], compactedRevision: number) {
    this.events = events;
    this.sizes = events.map((e) => JSON.stringify(e.value).length);
    for (const n of this.sizes) this.retainedBytes += n;
    this.compacted = compactedRevision;
  }

  /** Approximate bytes held by the retained events. */
  get bytes(): number {
    return this.retainedBytes;
  }

  /** The newest dropped revision. */
  get compactedRevision(): number {
    return this.compacted;
  }

  /** Number of retained events. */
  get size(): number {
    return this.events.length - this.head;
  }

  /**
   * The compacted revision once an event at `revision` of `size` bytes is appended and at most
   * `limit` events and `bytesLimit` bytes are kept (the newest events are the ones kept).
   */
  compactionAfterAppend(revision: number, limit: number, size = 0, bytesLimit = Number.POSITIVE_INFINITY): number {
    let count = this.size + 1;
    let bytes = this.retainedBytes + size;
    let i = this.head;
    while ((count > limit || bytes > bytesLimit) && i < this.events.length) {
      bytes -= this.sizes[i]!;
      count--;
      i++;
    }
    if (count > limit || bytes > bytesLimit) return revision; // even the new event alone is over the budget
    return i === this.head ? this.compacted : this.events[i - 1]!.revision;
  }

  push(event: StoreEvent, size = 0): void {
    this.events.push(event);
    this.sizes.push(size);
    this.retainedBytes += size;
  }

  /** Drops the events with revision <= `revision` and makes it the compacted revision. */
  dropUpTo(revision: number): void {
    if (revision <= this.compacted) return;
    const next = this.firstAfter(revision);
    for (let i = this.head; i < next; i++) this.retainedBytes -= this.sizes[i]!;
    this.head = next;
    this.compacted = revision;
    // cut the array once the dropped part is as long as the kept part: dropped events are released
    // promptly (at most as many as are retained stay reachable) at an amortised O(1) cost
    if (this.head > 0 && this.head * 2 >= this.events.length) {
      this.events = this.events.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
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
