import type { StoreEntry } from './types.js';

/** Entries per chunk before a chunk splits in two. Small enough that a splice is a cheap memmove. */
const MAX_CHUNK = 512;
/** A chunk this small after a removal is merged into a neighbour when the two fit in one chunk. */
const MIN_CHUNK = MAX_CHUNK >> 3;

/**
 * Store entries in ascending key order (JS string order), kept as a list of sorted chunks so that
 * insert and remove cost O(log n + MAX_CHUNK) and paging from any key costs O(log n + page), however
 * large the set grows. Keys are unique.
 */
export class SortedEntries {
  private chunks: StoreEntry[][] = [];
  private count = 0;

  /** Builds from entries already sorted by key with no duplicates. */
  static fromSorted(entries: readonly StoreEntry[]): SortedEntries {
    const s = new SortedEntries();
    for (let i = 0; i < entries.length; i += MAX_CHUNK >> 1) s.chunks.push(entries.slice(i, i + (MAX_CHUNK >> 1)));
    s.count = entries.length;
    return s;
  }

  get size(): number {
    return this.count;
  }

  /** Inserts the entry, or replaces the one with the same key. Returns true when the key is new. */
  set(entry: StoreEntry): boolean {
    const chunks = this.chunks;
    if (chunks.length === 0) {
      chunks.push([entry]);
      this.count = 1;
      return true;
    }
    const ci = this.chunkFor(entry.key);
    const c = chunks[ci]!;
    const i = bound(c, entry.key, false);
    if (i < c.length && c[i]!.key === entry.key) {
      c[i] = entry;
      return false;
    }
    if (i === c.length) c.push(entry);
    else c.splice(i, 0, entry);
    this.count++;
    if (c.length > MAX_CHUNK) chunks.splice(ci + 1, 0, c.splice(c.length >> 1));
    return true;
  }

  /** Removes the entry with this key; returns whether there was one. */
  remove(key: string): boolean {
    const chunks = this.chunks;
    if (chunks.length === 0) return false;
    const ci = this.chunkFor(key);
    const c = chunks[ci]!;
    const i = bound(c, key, false);
    if (i >= c.length || c[i]!.key !== key) return false;
    c.splice(i, 1);
    this.count--;
    if (c.length === 0) {
      chunks.splice(ci, 1);
    } else if (c.length < MIN_CHUNK) {
      const next = chunks[ci + 1];
      const prev = chunks[ci - 1];
      if (next !== undefined && c.length + next.length <= MAX_CHUNK) {
        chunks[ci] = c.concat(next);
        chunks.splice(ci + 1, 1);
      } else if (prev !== undefined && c.length + prev.length <= MAX_CHUNK) {
        chunks[ci - 1] = prev.concat(c);
        chunks.splice(ci, 1);
      }
    }
    return true;
  }

  /** The number of entries whose key is < `key` (or <= `key` when `inclusive`). */
  rank(key: string, inclusive: boolean): number {
    const chunks = this.chunks;
    if (chunks.length === 0) return 0;
    const ci = this.chunkFor(key);
    let r = 0;
    for (let i = 0; i < ci; i++) r += chunks[i]!.length;
    return r + bound(chunks[ci]!, key, inclusive);
  }

  /**
   * Visits entries in key order starting at the first key >= `from` (> `from` when `exclusive`),
   * until `visit` returns false.
   */
  forEachFrom(from: string, exclusive: boolean, visit: (entry: StoreEntry) => boolean): void {
    const chunks = this.chunks;
    if (chunks.length === 0) return;
    let ci = this.chunkFor(from);
    let i = bound(chunks[ci]!, from, exclusive);
    for (; ci < chunks.length; ci++, i = 0) {
      const c = chunks[ci]!;
      for (; i < c.length; i++) if (!visit(c[i]!)) return;
    }
  }

  /** Every entry in key order. */
  *values(): IterableIterator<StoreEntry> {
    for (const c of this.chunks) yield* c;
  }

  /** Internal invariants (order, chunk sizes, count); problems as strings. */
  verify(): string[] {
    const problems: string[] = [];
    let n = 0;
    let last: string | undefined;
    for (const c of this.chunks) {
      if (c.length === 0 || c.length > MAX_CHUNK) problems.push(`sorted index chunk has ${c.length} entries`);
      for (const e of c) {
        if (last !== undefined && !(last < e.key)) problems.push(`sorted index out of order at ${e.key}`);
        last = e.key;
        n++;
      }
    }
    if (n !== this.count) problems.push(`sorted index counts ${this.count} entries but holds ${n}`);
    return problems;
  }

  /** Index of the last chunk whose first key is <= `key` (0 when none is). */
  private chunkFor(key: string): number {
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (chunks[mid]![0]!.key <= key) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** First index in `c` whose key is >= `key` (> `key` when `upper`). */
function bound(c: readonly StoreEntry[], key: string, upper: boolean): number {
  let lo = 0;
  let hi = c.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = c[mid]!.key;
    if (k < key || (upper && k === key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
