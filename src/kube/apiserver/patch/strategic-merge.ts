import { cloneJson, isJsonArray, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from '../../../base/index.js';
import { ApiError, apiErrors } from '../status.js';
import { fieldOf, rootTypeOf, supportsStrategicMerge, type FieldMeta } from './patch-meta.js';
import { keyByMergeKey, normalizeElementOrder, partitionByPresence } from './smp-order.js';

/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) with the semantics of apimachinery's
 * strategicpatch as the API server runs it (parallel directive lists merged, unmatched nulls ignored):
 *
 * - maps merge recursively; `null` deletes a key; `$patch: replace` replaces the map, `$patch: delete` empties it;
 * - lists whose field has `patchStrategy: merge` merge: by `patchMergeKey` for lists of maps (an element
 *   `{<key>: v, $patch: delete}` removes, an element `{$patch: replace}` makes the patch list the result),
 *   as a set union for lists of primitives; every other list is replaced;
 * - `$setElementOrder/<field>` fixes the order of the named elements, `$deleteFromPrimitiveList/<field>`
 *   removes values, `$retainKeys` drops every key not listed (the `retainKeys` strategy kubectl uses).
 *
 * Malformed directives are 400 BadRequest. Custom resources have no schema for this: 415.
 */

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVES = '$deleteFromPrimitiveList/';

/** The 415 Kubernetes returns for a strategic merge patch on a custom resource. */
export function strategicMergeUnsupported(): ApiError {
  return new ApiError(
    'UnsupportedMediaType',
    'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
  );
}

/** Applies `patch` to `doc` for an object of `kind`; neither argument is modified. */
export function applyStrategicMergePatch(doc: JsonObject, patch: JsonObject, kind: string): JsonObject {
  if (!supportsStrategicMerge(kind)) throw strategicMergeUnsupported();
  if (!isJsonObject(patch)) throw apiErrors.badRequest('strategic merge patch must be a JSON object');
  return mergeMap(cloneJson(doc), patch, rootTypeOf(kind));
}

/** Merges `patch` into `original`, which the caller owns and which is modified and returned. */
function mergeMap(original: JsonObject, patch: JsonObject, type: string | undefined): JsonObject {
  const directive = patch[DIRECTIVE];
  if (directive !== undefined) {
    if (directive === 'replace') {
      const rest: JsonObject = { ...patch };
      delete rest[DIRECTIVE];
      return mergeMap({}, rest, type);
    }
    if (directive === 'delete') return {};
    throw apiErrors.badRequest(`unknown patch type: ${JSON.stringify(directive)} in map`);
  }

  applyRetainKeys(original, patch);

  const orders = new Map<string, JsonValue[]>();
  const deletions = new Map<string, JsonValue[]>();
  const liveLists = new Map<string, JsonValue[]>();
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(SET_ORDER)) {
      if (!isJsonArray(value)) throw apiErrors.badRequest('invalid patch format of setElementOrder list');
      const field = key.slice(SET_ORDER.length);
      orders.set(field, value);
      const live = original[field];
      if (isJsonArray(live)) liveLists.set(field, live);
    } else if (key.startsWith(DELETE_PRIMITIVES)) {
      if (!isJsonArray(value)) throw apiErrors.badRequest('invalid patch format of primitive list');
      deletions.set(key.slice(DELETE_PRIMITIVES.length), value);
    }
  }

  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || key === RETAIN_KEYS || key.startsWith(SET_ORDER) || key.startsWith(DELETE_PRIMITIVES)) continue;
    if (value === null) {
      delete original[key];
      continue;
    }
    original[key] = mergeValue(original[key], value, fieldOf(type, key));
  }

  for (const [field, values] of deletions) {
    const live = original[field];
    if (isJsonArray(live)) original[field] = live.filter((v) => !values.some((d) => jsonEqual(d, v)));
  }

  for (const [field, order] of orders) {
    const merged = original[field];
    if (!isJsonArray(merged)) continue;
    const key = keyByMergeKey(fieldOf(type, field)?.mergeKey);
    const parts = partitionByPresence(merged, order, key);
    original[field] = normalizeElementOrder(parts.named, parts.serverOnly, order, liveLists.get(field) ?? [], key);
  }
  return original;
}

function hasStrategy(meta: FieldMeta | undefined, strategy: 'merge' | 'replace'): boolean {
  return meta?.strategy?.includes(strategy) === true;
}

/** The merged value of one field; `live` is owned by the caller (or undefined when absent). */
function mergeValue(live: JsonValue | undefined, patch: JsonValue, meta: FieldMeta | undefined): JsonValue {
  if (isJsonObject(patch)) {
    if (isJsonObject(live) && !hasStrategy(meta, 'replace')) return mergeMap(live, patch, meta?.type);
    return mergeMap({}, patch, meta?.type);
  }
  if (isJsonArray(patch)) {
    if (!hasStrategy(meta, 'merge')) return freshList(patch, meta);
    return mergeList(isJsonArray(live) ? live : [], patch, meta);
  }
  return patch;
}

/** A patch list taken as the new value: maps inside are cleaned of nulls and directives. */
function freshList(patch: readonly JsonValue[], meta: FieldMeta | undefined): JsonValue[] {
  return patch.filter((v) => v !== null).map((v) => (isJsonObject(v) ? mergeMap({}, v, meta?.type) : cloneJson(v)));
}

function mergeList(live: JsonValue[], patch: readonly JsonValue[], meta: FieldMeta | undefined): JsonValue[] {
  if (live.length === 0 && patch.length === 0) return live;
  const elementKind = listElementKind(live, patch);
  if (elementKind !== 'map') {
    const merged = [...live];
    for (const v of patch) if (!merged.some((m) => jsonEqual(m, v))) merged.push(cloneJson(v));
    const key = keyByMergeKey(undefined);
    const parts = partitionByPresence(merged, patch, key);
    return normalizeElementOrder(parts.named, parts.serverOnly, patch, live, key);
  }

  const mergeKey = meta?.mergeKey;
  if (mergeKey === undefined) throw apiErrors.badRequest('cannot merge lists without merge key');
  let server = live;
  const plain: JsonObject[] = [];
  let replace = false;
  for (const element of patch) {
    if (!isJsonObject(element)) throw apiErrors.badRequest('list element types are not identical');
    const directive = element[DIRECTIVE];
    if (directive === undefined) {
      plain.push(element);
    } else if (directive === 'delete') {
      const value = element[mergeKey];
      if (value === undefined) throw noMergeKey(mergeKey);
      server = server.filter((item) => !(isJsonObject(item) && jsonEqual(item[mergeKey], value)));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw apiErrors.badRequest('merging lists cannot yet be specified in the patch');
    } else {
      throw apiErrors.badRequest(`unknown patch type: ${JSON.stringify(directive)} in list element`);
    }
  }
  if (replace) return plain.map((element) => mergeMap({}, element, meta?.type));

  const merged = [...server];
  for (const element of plain) {
    const value = element[mergeKey];
    if (value === undefined) throw noMergeKey(mergeKey);
    const at = merged.findIndex((item) => isJsonObject(item) && jsonEqual(item[mergeKey], value));
    const current = merged[at];
    if (at >= 0 && isJsonObject(current)) merged[at] = mergeMap(current, element, meta?.type);
    else merged.push(mergeMap({}, element, meta?.type));
  }
  const key = keyByMergeKey(mergeKey);
  const parts = partitionByPresence(merged, plain, key);
  return normalizeElementOrder(parts.named, parts.serverOnly, plain, server, key);
}

function listElementKind(...lists: ReadonlyArray<readonly JsonValue[]>): 'map' | 'primitive' {
  let kind: 'map' | 'primitive' | undefined;
  for (const list of lists) {
    for (const v of list) {
      if (isJsonArray(v)) throw apiErrors.badRequest('lists of lists are not supported');
      const k = isJsonObject(v) ? 'map' : 'primitive';
      if (kind !== undefined && kind !== k) throw apiErrors.badRequest('list element types are not identical');
      kind = k;
    }
  }
  return kind ?? 'primitive';
}

function noMergeKey(mergeKey: string): ApiError {
  return apiErrors.badRequest(`map does not contain declared merge key: ${mergeKey}`);
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  const retain = patch[RETAIN_KEYS];
  if (retain === undefined) return;
  if (!isJsonArray(retain)) throw apiErrors.badRequest('invalid patch format of retainKeys');
  const keep = new Set(retain.filter((k): k is string => typeof k === 'string'));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || value === undefined || key === RETAIN_KEYS || key.startsWith(SET_ORDER) || key.startsWith(DELETE_PRIMITIVES)) continue;
    if (!keep.has(key)) throw apiErrors.badRequest('invalid patch format of retainKeys');
  }
  for (const key of Object.keys(original)) if (!keep.has(key)) delete original[key];
}
