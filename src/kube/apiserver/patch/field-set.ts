import { isJsonObject } from '../../../base/index.js';

/**
 * A set of field paths, stored as a trie, with the Kubernetes `FieldsV1` encoding of managedFields.
 *
 * Path elements are strings in the FieldsV1 key syntax: `f:<field>` (a map key), `k:<json>` (a list
 * element by its key fields, e.g. `k:{"name":"nginx"}`), `v:<json>` (a set element) and `i:<index>`.
 * A node is a *member* when the path itself is in the set; in FieldsV1 a member with children carries
 * `".": {}` and a member without children is `{}`.
 */

/** The JSON form: `{"f:metadata":{"f:labels":{"f:app":{}}}}`. */
export interface FieldsV1 {
  [pathElement: string]: FieldsV1;
}

export type FieldPath = readonly string[];

export class FieldSet {
  member = false;
  readonly children = new Map<string, FieldSet>();

  static of(...paths: FieldPath[]): FieldSet {
    const set = new FieldSet();
    for (const p of paths) set.insert(p);
    return set;
  }

  /** Decodes FieldsV1; undefined when `v` is not well-formed. */
  static fromFieldsV1(v: unknown): FieldSet | undefined {
    if (!isJsonObject(v)) return undefined;
    const set = new FieldSet();
    const keys = Object.keys(v);
    if (keys.length === 0) {
      set.member = true;
      return set;
    }
    for (const key of keys) {
      const value = v[key];
      if (key === '.') {
        if (!isJsonObject(value)) return undefined;
        set.member = true;
        continue;
      }
      if (!/^[fkvi]:/.test(key)) return undefined;
      const child = FieldSet.fromFieldsV1(value);
      if (child === undefined) return undefined;
      set.children.set(key, child);
    }
    return set;
  }

  toFieldsV1(): FieldsV1 {
    const out: FieldsV1 = {};
    if (this.member && this.children.size > 0) out['.'] = {};
    for (const key of [...this.children.keys()].sort(comparePathElements)) {
      const child = this.children.get(key);
      if (child !== undefined && !child.isEmpty()) out[key] = child.toFieldsV1();
    }
    return out;
  }

  insert(path: FieldPath): void {
    const [head, ...rest] = path;
    if (head === undefined) {
      this.member = true;
      return;
    }
    let next = this.children.get(head);
    if (next === undefined) {
      next = new FieldSet();
      this.children.set(head, next);
    }
    next.insert(rest);
  }

  /** The subtree at `path`, if any. */
  at(path: FieldPath): FieldSet | undefined {
    const [head, ...rest] = path;
    return head === undefined ? this : this.children.get(head)?.at(rest);
  }

  has(path: FieldPath): boolean {
    return this.at(path)?.member === true;
  }

  /** True when no path at all is a member. */
  isEmpty(): boolean {
    if (this.member) return false;
    for (const child of this.children.values()) if (!child.isEmpty()) return false;
    return true;
  }

  union(other: FieldSet | undefined): FieldSet {
    const out = this.clone();
    if (other !== undefined) out.addAll(other);
    return out;
  }

  /** Members of this set that are not members of `other` (path by path, not recursive). */
  difference(other: FieldSet | undefined): FieldSet {
    const out = new FieldSet();
    out.member = this.member && other?.member !== true;
    for (const [pe, child] of this.children) {
      const d = child.difference(other?.children.get(pe));
      if (!d.isEmpty()) out.children.set(pe, d);
    }
    return out;
  }

  intersection(other: FieldSet | undefined): FieldSet {
    const out = new FieldSet();
    if (other === undefined) return out;
    out.member = this.member && other.member;
    for (const [pe, child] of this.children) {
      const o = other.children.get(pe);
      if (o === undefined) continue;
      const i = child.intersection(o);
      if (!i.isEmpty()) out.children.set(pe, i);
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).isEmpty() && other.difference(this).isEmpty();
  }

  clone(): FieldSet {
    const out = new FieldSet();
    out.addAll(this);
    return out;
  }

  /** Every member path, in FieldsV1 order. */
  paths(): string[][] {
    const out: string[][] = [];
    const walk = (node: FieldSet, prefix: string[]): void => {
      if (node.member) out.push(prefix);
      for (const key of [...node.children.keys()].sort(comparePathElements)) {
        const child = node.children.get(key);
        if (child !== undefined) walk(child, [...prefix, key]);
      }
    };
    walk(this, []);
    return out;
  }

  private addAll(other: FieldSet): void {
    if (other.member) this.member = true;
    for (const [pe, child] of other.children) {
      let mine = this.children.get(pe);
      if (mine === undefined) {
        mine = new FieldSet();
        this.children.set(pe, mine);
      }
      mine.addAll(child);
    }
  }
}

const KIND_ORDER: Readonly<Record<string, number>> = { f: 0, k: 1, v: 2, i: 3 };

/** FieldsV1 order: field names, then keys, then values, then indexes; each group sorted. */
export function comparePathElements(a: string, b: string): number {
  const ka = KIND_ORDER[a.charAt(0)] ?? 4;
  const kb = KIND_ORDER[b.charAt(0)] ?? 4;
  if (ka !== kb) return ka - kb;
  if (ka === 3) return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Renders a path the way Kubernetes prints it in conflicts: `.spec.containers[name="nginx"].image`. */
export function pathString(path: FieldPath): string {
  return path.map(elementString).join('');
}

function elementString(pe: string): string {
  const body = pe.slice(2);
  switch (pe.charAt(0)) {
    case 'f':
      return '.' + body;
    case 'k': {
      const parsed = safeParse(body);
      if (!isJsonObject(parsed)) return `[${body}]`;
      const parts = Object.keys(parsed)
        .sort()
        .map((name) => `${name}=${scalarString(parsed[name])}`);
      return `[${parts.join(',')}]`;
    }
    case 'v':
      return `[=${scalarString(safeParse(body))}]`;
    default:
      return `[${body}]`;
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function scalarString(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v ?? null);
}
