import { cloneJson, isJsonArray, isJsonObject, type JsonObject, type JsonValue } from '../../../base/index.js';
import type { FieldSet } from './field-set.js';
import { elementNode, fieldNode, indexItems, isAtomicMap, itemElement, listOf, type SchemaNode } from './field-walk.js';

/**
 * The two value operations of server-side apply: merging an applied configuration into the live object
 * (structured merge: maps merge, keyed lists and sets merge by element, everything else is replaced), and
 * pruning the fields an applier stopped applying.
 */

/** `applied` merged into `live`; undefined when the result is "no value" (an applied null). */
export function mergeApplied(live: JsonValue | undefined, applied: JsonValue, node: SchemaNode): JsonValue | undefined {
  if (applied === null) return undefined;
  if (live === undefined || live === null) return withoutNulls(applied);
  if (isJsonObject(live) && isJsonObject(applied) && !isAtomicMap(node)) {
    const out: JsonObject = cloneJson(live);
    for (const [key, value] of Object.entries(applied)) {
      if (value === undefined) continue;
      const merged = mergeApplied(out[key], value, fieldNode(node, key));
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    }
    return out;
  }
  const list = listOf(node);
  if (isJsonArray(live) && isJsonArray(applied) && list.kind !== 'atomic') {
    return mergeLists(live, applied, (l, r) => (list.kind === 'map' ? mergeApplied(l, r, elementNode(node)) : withoutNulls(r)), (items) =>
      indexedEntries(items, (item, i) => itemElement(item, i, list)),
    );
  }
  return withoutNulls(applied);
}

function indexedEntries(items: readonly JsonValue[], pe: (item: JsonValue, i: number) => string): Array<[string, JsonValue]> {
  const seen = new Set<string>();
  const out: Array<[string, JsonValue]> = [];
  items.forEach((item, i) => {
    const key = pe(item, i);
    if (seen.has(key)) return;
    seen.add(key);
    out.push([key, item]);
  });
  return out;
}

/**
 * Element order of a merged list (as structured-merge-diff orders it): live-only elements keep their
 * place, applied elements come in applied order, and shared elements move to where the applier put them.
 */
function mergeLists(
  live: readonly JsonValue[],
  applied: readonly JsonValue[],
  mergeItem: (l: JsonValue | undefined, r: JsonValue) => JsonValue | undefined,
  index: (items: readonly JsonValue[]) => Array<[string, JsonValue]>,
): JsonValue[] {
  const lhs = index(live);
  const rhs = index(applied);
  const lhsMap = new Map(lhs);
  const rhsMap = new Map(rhs);
  const shared = rhs.filter(([pe]) => lhsMap.has(pe)).map(([pe]) => pe);
  let nextShared = shared.shift();
  const done = new Set<string>();
  const out: JsonValue[] = [];
  const push = (v: JsonValue | undefined): void => {
    if (v !== undefined) out.push(v);
  };
  let l = 0;
  let r = 0;
  while (l < lhs.length || r < rhs.length) {
    const left = lhs[l];
    const right = rhs[r];
    if (left !== undefined && right !== undefined) {
      if (left[0] === right[0]) {
        done.add(left[0]);
        push(mergeItem(left[1], right[1]));
        l++;
        r++;
        nextShared = shared.shift();
        continue;
      }
      if (rhsMap.has(left[0]) && nextShared !== undefined && nextShared !== left[0]) {
        l++;
        continue;
      }
    }
    if (left !== undefined) {
      if (!rhsMap.has(left[0])) {
        push(left[1]);
        l++;
        continue;
      }
      if (done.has(left[0])) {
        l++;
        continue;
      }
    }
    if (right !== undefined) {
      done.add(right[0]);
      push(mergeItem(lhsMap.get(right[0]), right[1]));
      r++;
      if (nextShared === right[0]) nextShared = shared.shift();
    } else {
      l++;
    }
  }
  return out;
}

/** A copy of `v` without null map values (null means "unset" in an applied configuration). */
export function withoutNulls(v: JsonValue): JsonValue {
  if (isJsonArray(v)) return v.filter((x) => x !== null).map(withoutNulls);
  if (isJsonObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined && x !== null) out[k] = withoutNulls(x);
    return out;
  }
  return v;
}

/**
 * Removes from `value` the paths of `toRemove` that nobody in `keep` owns (at or below the path). A map
 * or list emptied by the removal goes too, unless `keep` owns it as such.
 */
export function pruneFields(value: JsonValue, toRemove: FieldSet, keep: FieldSet | undefined, node: SchemaNode): JsonValue {
  if (isJsonObject(value) && !isAtomicMap(node)) {
    const out: JsonObject = {};
    for (const [key, child] of Object.entries(value)) {
      if (child === undefined) continue;
      const kept = pruneChild(child, 'f:' + key, toRemove, keep, fieldNode(node, key));
      if (kept !== undefined) out[key] = kept;
    }
    return out;
  }
  const list = listOf(node);
  if (isJsonArray(value) && list.kind !== 'atomic') {
    const out: JsonValue[] = [];
    const seen = indexItems(value, list);
    value.forEach((item, i) => {
      const pe = itemElement(item, i, list);
      if (seen.get(pe) !== item) {
        out.push(item);
        return;
      }
      const kept = pruneChild(item, pe, toRemove, keep, elementNode(node));
      if (kept !== undefined) out.push(kept);
    });
    return out;
  }
  return value;
}

function pruneChild(value: JsonValue, pe: string, toRemove: FieldSet, keep: FieldSet | undefined, node: SchemaNode): JsonValue | undefined {
  const sub = toRemove.children.get(pe);
  if (sub === undefined) return value;
  const keepSub = keep?.children.get(pe);
  const owned = keepSub !== undefined && !keepSub.isEmpty();
  if (sub.member && !owned) return undefined;
  if (sub.children.size === 0) return value;
  const pruned = pruneFields(value, sub, keepSub, node);
  if (isEmpty(pruned) && !isEmpty(value) && keepSub?.member !== true) return undefined;
  return pruned;
}

function isEmpty(v: JsonValue): boolean {
  return (isJsonObject(v) && Object.keys(v).length === 0) || (isJsonArray(v) && v.length === 0);
}
