import { SortedEntries } from './sorted-entries.js';
import type { StoreEntry } from './types.js';

/**
 * The bucket of a key: the key up to and including its third `/` (`/core/pods/default/x` →
 * `/core/pods/`), or undefined when the key has fewer than three. Every key that starts with a
 * prefix holding three `/` is in that prefix's bucket, so a list or watch of one resource never
 * looks at another.
 */
export function bucketOf(key: string): string | undefined {
  const a = key.indexOf('/');
  if (a < 0) return undefined;
  const b = key.indexOf('/', a + 1);
  if (b < 0) return undefined;
  const c = key.indexOf('/', b + 1);
  if (c < 0) return undefined;
  return key.slice(0, c + 1);
}

/**
 * The smallest string greater than every string that starts with `prefix` (so the keys under
 * `prefix` are exactly those in [prefix, end)); undefined when there is no such bound (`''`).
 */
export function prefixEnd(prefix: string): string | undefined {
  let p = prefix;
  while (p.length > 0) {
    const last = p.charCodeAt(p.length - 1);
    if (last < 0xffff) return p.slice(0, -1) + String.fromCharCode(last + 1);
    p = p.slice(0, -1);
  }
  return undefined;
}

export interface Page {
  readonly entries: StoreEntry[];
  readonly remaining: number;
}

/**
 * The in-memory mirror of the kv table: a key map for `get`, plus one sorted set per bucket for
 * ordered, paged listing. Keys with fewer than three `/` share one extra set.
 */
export class EntryIndex {
  private readonly byKey = new Map<string, StoreEntry>();
  private readonly buckets = new Map<string, SortedEntries>();
  private readonly misc = new SortedEntries();

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): StoreEntry | undefined {
    return this.byKey.get(key);
  }

  values(): IterableIterator<StoreEntry> {
    return this.byKey.values();
  }

  /** Inserts or replaces the entry with the same key. */
  set(entry: StoreEntry): void {
    this.byKey.set(entry.key, entry);
    const b = bucketOf(entry.key);
    if (b === undefined) {
      this.misc.set(entry);
      return;
    }
    let s = this.buckets.get(b);
    if (s === undefined) {
      s = new SortedEntries();
      this.buckets.set(b, s);
    }
    s.set(entry);
  }

  delete(key: string): void {
    if (!this.byKey.delete(key)) return;
    const b = bucketOf(key);
    if (b === undefined) {
      this.misc.remove(key);
      return;
    }
    const s = this.buckets.get(b);
    if (s === undefined) return;
    s.remove(key);
    if (s.size === 0) this.buckets.delete(b);
  }

  /** Number of keys that start with `prefix`. */
  count(prefix: string): number {
    const b = bucketOf(prefix);
    if (b !== undefined) {
      const s = this.buckets.get(b);
      if (s === undefined) return 0;
      return prefix === b ? s.size : rangeCount(s, prefix);
    }
    let n = rangeCount(this.misc, prefix);
    for (const [name, s] of this.buckets) if (name.startsWith(prefix)) n += s.size;
    return n;
  }

  /**
   * Entries under `prefix` in ascending key order, after `startAfter`, at most `limit` (0: all) of
   * those `filter` accepts, and how many accepted ones follow the page.
   */
  page(prefix: string, startAfter: string | undefined, limit: number, filter: ((e: StoreEntry) => boolean) | undefined): Page {
    const b = bucketOf(prefix);
    const s = b !== undefined ? this.buckets.get(b) : this.gather(prefix);
    if (s === undefined || s.size === 0) return { entries: [], remaining: 0 };
    const exclusive = startAfter !== undefined && startAfter >= prefix;
    const from = exclusive ? startAfter : prefix;
    const entries: StoreEntry[] = [];
    if (filter === undefined) {
      const end = prefixEnd(prefix);
      const total = Math.max(0, (end === undefined ? s.size : s.rank(end, false)) - s.rank(from, exclusive));
      const take = limit > 0 ? Math.min(limit, total) : total;
      if (take > 0) {
        s.forEachFrom(from, exclusive, (e) => {
          entries.push(e);
          return entries.length < take;
        });
      }
      return { entries, remaining: total - take };
    }
    let remaining = 0;
    s.forEachFrom(from, exclusive, (e) => {
      if (!e.key.startsWith(prefix)) return false;
      if (filter(e)) {
        if (limit <= 0 || entries.length < limit) entries.push(e);
        else remaining++;
      }
      return true;
    });
    return { entries, remaining };
  }

  /** Internal invariants of the mirror; problems as strings. */
  verify(): string[] {
    const problems = [...this.misc.verify()];
    let n = this.misc.size;
    for (const e of this.misc.values()) {
      if (bucketOf(e.key) !== undefined || this.byKey.get(e.key) !== e) problems.push(`mirror: misplaced entry ${e.key}`);
    }
    for (const [name, s] of this.buckets) {
      problems.push(...s.verify());
      n += s.size;
      if (s.size === 0) problems.push(`mirror: empty bucket ${name}`);
      for (const e of s.values()) {
        if (bucketOf(e.key) !== name || this.byKey.get(e.key) !== e) problems.push(`mirror: misplaced entry ${e.key}`);
      }
    }
    if (n !== this.byKey.size) problems.push(`mirror: ${this.byKey.size} keys but ${n} sorted entries`);
    return problems;
  }

  /** For a prefix that spans buckets (fewer than three `/`): every matching entry, in key order. */
  private gather(prefix: string): SortedEntries {
    const names = [...this.buckets.keys()].filter((name) => name.startsWith(prefix)).sort();
    const out: StoreEntry[] = [];
    for (const name of names) for (const e of this.buckets.get(name)?.values() ?? []) out.push(e);
    const fromBuckets = out.length;
    this.misc.forEachFrom(prefix, false, (e) => {
      if (!e.key.startsWith(prefix)) return false;
      out.push(e);
      return true;
    });
    if (fromBuckets > 0 && out.length > fromBuckets) out.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    return SortedEntries.fromSorted(out);
  }
}

function rangeCount(s: SortedEntries, prefix: string): number {
  const end = prefixEnd(prefix);
  return (end === undefined ? s.size : s.rank(end, false)) - s.rank(prefix, false);
}
