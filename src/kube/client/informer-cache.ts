/**
 * An informer's local cache: objects by key (`namespace/name`, or `name` when cluster-scoped) and
 * named secondary indexes kept current on every change (client-go's thread-safe store + indexers).
 */
import { KeError } from '../../base/index.js';

/** The values an object is indexed under (e.g. its spec.nodeName); [] leaves it out of the index. */
export type IndexFunc<T> = (obj: T) => readonly string[];

interface Index<T> {
  readonly fn: IndexFunc<T>;
  readonly byValue: Map<string, Set<string>>;
  readonly byKey: Map<string, readonly string[]>;
}

const NONE: readonly string[] = [];

export class InformerCache<T> {
  readonly #items = new Map<string, T>();
  readonly #indexes = new Map<string, Index<T>>();

  get size(): number {
    return this.#items.size;
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  has(key: string): boolean {
    return this.#items.has(key);
  }

  list(): T[] {
    return [...this.#items.values()];
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }

  entries(): IterableIterator<[string, T]> {
    return this.#items.entries();
  }

  /** Stores `obj` under `key`; returns the previous object. */
  set(key: string, obj: T): T | undefined {
    const old = this.#items.get(key);
    this.#items.set(key, obj);
    for (const idx of this.#indexes.values()) reindex(idx, key, idx.fn(obj));
    return old;
  }

  delete(key: string): T | undefined {
    const old = this.#items.get(key);
    if (old === undefined) return undefined;
    this.#items.delete(key);
    for (const idx of this.#indexes.values()) reindex(idx, key, NONE);
    return old;
  }

  /** Adds a named index over the current and all future objects. Names are unique. */
  addIndex(name: string, fn: IndexFunc<T>): void {
    if (this.#indexes.has(name)) throw new KeError('KE_KUBE_INDEX_EXISTS', `index ${name} already exists`);
    const idx: Index<T> = { fn, byValue: new Map(), byKey: new Map() };
    for (const [key, obj] of this.#items) reindex(idx, key, fn(obj));
    this.#indexes.set(name, idx);
  }

  hasIndex(name: string): boolean {
    return this.#indexes.has(name);
  }

  /** Keys of the objects indexed under `value`. */
  indexKeys(name: string, value: string): string[] {
    const set = this.#index(name).byValue.get(value);
    return set === undefined ? [] : [...set];
  }

  byIndex(name: string, value: string): T[] {
    const set = this.#index(name).byValue.get(value);
    if (set === undefined) return [];
    const out: T[] = [];
    for (const key of set) {
      const obj = this.#items.get(key);
      if (obj !== undefined) out.push(obj);
    }
    return out;
  }

  /** The index values that currently have objects. */
  indexValues(name: string): string[] {
    return [...this.#index(name).byValue.keys()];
  }

  #index(name: string): Index<T> {
    const idx = this.#indexes.get(name);
    if (idx === undefined) throw new KeError('KE_KUBE_INDEX_UNKNOWN', `no index named ${name}`);
    return idx;
  }
}

function reindex<T>(idx: Index<T>, key: string, values: readonly string[]): void {
  const before = idx.byKey.get(key) ?? NONE;
  if (before.length === values.length && before.every((v, i) => v === values[i])) return;
  for (const v of before) {
    const set = idx.byValue.get(v);
    if (set === undefined) continue;
    set.delete(key);
    if (set.size === 0) idx.byValue.delete(v);
  }
  for (const v of values) {
    let set = idx.byValue.get(v);
    if (set === undefined) {
      set = new Set();
      idx.byValue.set(v, set);
    }
    set.add(key);
  }
  if (values.length === 0) idx.byKey.delete(key);
  else idx.byKey.set(key, values);
}
