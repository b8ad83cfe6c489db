import { isJsonArray, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from '../../../base/index.js';
import { BUILTIN_RESOURCES } from '../resources.js';
import { FieldSet, type FieldPath } from './field-set.js';
import { fieldOf, isAtomicField, isAtomicType, listSemantics, rootTypeOf, type FieldMeta, type ListSemantics } from './patch-meta.js';

/**
 * Typed walks over objects for server-side apply: which field paths an object sets, and how two
 * versions differ, in the structured-merge-diff model (maps are granular, lists are atomic unless the
 * schema makes them sets or maps keyed by their key fields, atomic structs/maps are leaves).
 */

/** Where a value sits in the schema: the field's metadata, or for a list element the element type. */
export interface SchemaNode {
  readonly meta: FieldMeta | undefined;
  readonly type: string | undefined;
  readonly element: boolean;
}

export function rootNode(kind: string): SchemaNode {
  return { meta: undefined, type: rootTypeOf(kind), element: false };
}

export function fieldNode(parent: SchemaNode, name: string): SchemaNode {
  const meta = fieldOf(parent.type, name);
  return { meta, type: meta?.type, element: false };
}

export function elementNode(list: SchemaNode): SchemaNode {
  return { meta: undefined, type: list.meta?.type, element: true };
}

/** A map value that is replaced and owned whole. */
export function isAtomicMap(node: SchemaNode): boolean {
  return node.element ? isAtomicType(node.type) : isAtomicField(node.meta);
}

export function listOf(node: SchemaNode): ListSemantics {
  return node.element ? { kind: 'atomic' } : listSemantics(node.meta);
}

/** The path element of a list item: `k:{...}` for keyed lists, `v:<json>` for sets, else `i:<n>`. */
export function itemElement(item: JsonValue, index: number, list: ListSemantics): string {
  if (list.kind === 'set') return 'v:' + JSON.stringify(item);
  if (list.kind === 'map' && isJsonObject(item)) {
    const key: JsonObject = {};
    for (const name of [...list.keys].sort()) {
      const value = item[name] ?? list.defaults[name];
      if (value === undefined) return `i:${index}`;
      key[name] = value;
    }
    return 'k:' + JSON.stringify(key);
  }
  return `i:${index}`;
}

/** Pairs of (path element, item) of a non-atomic list. */
export function indexItems(items: readonly JsonValue[], list: ListSemantics): Map<string, JsonValue> {
  const out = new Map<string, JsonValue>();
  items.forEach((item, i) => {
    const pe = itemElement(item, i, list);
    if (!out.has(pe)) out.set(pe, item);
  });
  return out;
}

const STRIPPED_META = ['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'];

export interface TrackOptions {
  /** The subresource written (`status`), if any. */
  readonly subresource?: string;
  /** Whether the kind has a status subresource; by default looked up among the built-in resources. */
  readonly statusSubresource?: boolean;
}

export function hasStatusSubresource(kind: string): boolean {
  return BUILTIN_RESOURCES.some((r) => r.kind === kind && r.subresources.includes('status'));
}

/**
 * The part of an object whose fields are tracked: without apiVersion, kind, the server-owned metadata,
 * and the half of the object the written endpoint resets (status on the main resource when the kind has a
 * status subresource; spec on the status subresource).
 */
export function trackedView(obj: JsonObject | undefined, kind: string, opts: TrackOptions = {}): JsonObject {
  const out: JsonObject = { ...(obj ?? {}) };
  delete out['apiVersion'];
  delete out['kind'];
  const meta = out['metadata'];
  if (isJsonObject(meta)) {
    const m: JsonObject = { ...meta };
    for (const k of STRIPPED_META) delete m[k];
    if (Object.keys(m).length === 0) delete out['metadata'];
    else out['metadata'] = m;
  }
  if (opts.subresource === 'status') delete out['spec'];
  else if (opts.subresource === undefined && (opts.statusSubresource ?? hasStatusSubresource(kind))) delete out['status'];
  return out;
}

/** The fields an object sets (structured-merge-diff `ToFieldSet`), over its tracked view. */
export function setFields(obj: JsonObject, kind: string): FieldSet {
  const set = new FieldSet();
  walkSet(obj, rootNode(kind), [], set);
  return set;
}

function walkSet(value: JsonValue, node: SchemaNode, path: string[], set: FieldSet): void {
  if (isJsonObject(value)) {
    if (isAtomicMap(node)) {
      set.insert(path);
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      if (child === undefined) continue;
      const childPath = [...path, 'f:' + key];
      if (child === null || (isJsonObject(child) && Object.keys(child).length === 0)) set.insert(childPath);
      walkSet(child, fieldNode(node, key), childPath, set);
    }
    return;
  }
  if (isJsonArray(value)) {
    const list = listOf(node);
    if (list.kind === 'atomic') {
      set.insert(path);
      return;
    }
    for (const [pe, item] of indexItems(value, list)) {
      const itemPath = [...path, pe];
      set.insert(itemPath);
      if (list.kind === 'map') walkSet(item, elementNode(node), itemPath, set);
    }
    return;
  }
  set.insert(path);
}

export interface Comparison {
  /** Paths added or modified, including newly created maps, lists and list items. */
  readonly changed: FieldSet;
  /** Paths that existed before and no longer do (with everything beneath them). */
  readonly removed: FieldSet;
}

/** Structural comparison of two tracked views (`prev` undefined: everything in `next` is new). */
export function compareObjects(prev: JsonObject | undefined, next: JsonObject, kind: string): Comparison {
  const out = { changed: new FieldSet(), removed: new FieldSet() };
  const root = rootNode(kind);
  if (prev === undefined) addAll(next, root, [], out.changed, true);
  else compareValues(prev, next, root, [], out);
  return out;
}

function compareValues(l: JsonValue, r: JsonValue, node: SchemaNode, path: string[], out: Comparison): void {
  if (isJsonObject(l) && isJsonObject(r) && !isAtomicMap(node)) {
    for (const key of new Set([...Object.keys(l), ...Object.keys(r)])) {
      const lv = l[key];
      const rv = r[key];
      const child = fieldNode(node, key);
      const childPath = [...path, 'f:' + key];
      if (lv === undefined && rv !== undefined) addAll(rv, child, childPath, out.changed, false);
      else if (lv !== undefined && rv === undefined) addAll(lv, child, childPath, out.removed, false);
      else if (lv !== undefined && rv !== undefined) compareValues(lv, rv, child, childPath, out);
    }
    return;
  }
  const list = listOf(node);
  if (isJsonArray(l) && isJsonArray(r) && list.kind !== 'atomic') {
    const li = indexItems(l, list);
    const ri = indexItems(r, list);
    const item = elementNode(node);
    for (const pe of new Set([...li.keys(), ...ri.keys()])) {
      const lv = li.get(pe);
      const rv = ri.get(pe);
      const itemPath = [...path, pe];
      if (lv === undefined && rv !== undefined) addAll(rv, item, itemPath, out.changed, false);
      else if (lv !== undefined && rv === undefined) addAll(lv, item, itemPath, out.removed, false);
      else if (lv !== undefined && rv !== undefined && list.kind === 'map') compareValues(lv, rv, item, itemPath, out);
    }
    return;
  }
  if (!jsonEqual(l, r)) {
    out.changed.insert(path);
    if ((isJsonObject(l) || isJsonArray(l)) && !isAtomicMap(node) && list.kind !== 'atomic') addAll(l, node, path, out.removed, true);
  }
}

/** Inserts `path` and everything under `value` (as a newly created or fully removed subtree). */
function addAll(value: JsonValue, node: SchemaNode, path: FieldPath, set: FieldSet, skipSelf: boolean): void {
  const leaf = !(isJsonObject(value) || isJsonArray(value)) || (isJsonObject(value) && isAtomicMap(node));
  if (!skipSelf && !(node.meta?.always === true && !leaf && !isEmptyContainer(value))) set.insert(path);
  if (leaf) return;
  if (isJsonObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (child !== undefined) addAll(child, fieldNode(node, key), [...path, 'f:' + key], set, false);
    }
    return;
  }
  if (isJsonArray(value)) {
    const list = listOf(node);
    if (list.kind === 'atomic') return;
    for (const [pe, item] of indexItems(value, list)) {
      if (list.kind === 'map') addAll(item, elementNode(node), [...path, pe], set, false);
      else set.insert([...path, pe]);
    }
  }
}

function isEmptyContainer(value: JsonValue): boolean {
  return (isJsonObject(value) && Object.keys(value).length === 0) || (isJsonArray(value) && value.length === 0);
}
