import { cloneJson, isJsonArray, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from '../../../base/index.js';
import { ApiError, apiErrors } from '../status.js';

/**
 * RFC 6902 JSON Patch, as `application/json-patch+json` PATCH bodies use it.
 *
 * Error mapping follows the Kubernetes API server: a body that is not a well-formed patch document is a
 * 400 BadRequest; a well-formed operation that cannot be applied (missing path, index out of range,
 * failed `test`) is a 422 Invalid; more than 10000 operations is a 413.
 */

/** Kubernetes caps JSON patches at this many operations. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

const OPS = { add: true, remove: true, replace: true, move: true, copy: true, test: true } as const;
type OpName = keyof typeof OPS;

interface Operation {
  readonly op: OpName;
  readonly path: readonly string[];
  readonly rawPath: string;
  readonly from?: readonly string[];
  readonly rawFrom?: string;
  readonly value?: JsonValue;
}

/** The message Kubernetes sends with a patch that parsed but did not apply. */
export const PATCH_REJECTED_MESSAGE = 'the server rejected our request due to an error in our request';

/**
 * A 422 as Kubernetes returns for a patch that cannot be applied. Kubernetes drops the reason; we keep it
 * as a cause on the `patch` field, which kubectl prints as "The request is invalid: patch: <detail>".
 */
export function patchNotApplicable(detail: string): ApiError {
  return new ApiError('Invalid', PATCH_REJECTED_MESSAGE, { causes: [{ reason: 'FieldValueInvalid', message: detail, field: 'patch' }] });
}

/** Applies `ops` (the decoded patch body) to `doc` and returns the result; `doc` is not modified. */
export function applyJsonPatch(doc: JsonValue, ops: unknown): JsonValue {
  const operations = decodeOperations(ops);
  let cur: JsonValue = cloneJson(doc);
  for (const op of operations) cur = applyOne(cur, op);
  return cur;
}

/** Parses an RFC 6901 JSON pointer into unescaped reference tokens. Throws 400 on bad syntax. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw apiErrors.badRequest(`invalid JSON pointer "${pointer}": must be empty or start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token)) throw apiErrors.badRequest(`invalid JSON pointer "${pointer}": bad escape sequence`);
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

function decodeOperations(ops: unknown): Operation[] {
  if (!isJsonArray(ops)) throw apiErrors.badRequest('json patch must be a JSON array of operations');
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new ApiError(
      'RequestEntityTooLarge',
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`,
    );
  }
  return ops.map((raw, i) => decodeOperation(raw, i));
}

function decodeOperation(raw: JsonValue, index: number): Operation {
  if (!isJsonObject(raw)) throw apiErrors.badRequest(`json patch operation ${index} is not an object`);
  const op = raw['op'];
  if (!isOpName(op)) throw apiErrors.badRequest(`json patch operation ${index}: unsupported op ${JSON.stringify(op ?? null)}`);
  const name = op;
  const rawPath = raw['path'];
  if (typeof rawPath !== 'string') throw apiErrors.badRequest(`json patch operation ${index} (${name}): missing "path"`);
  const base = { op: name, path: parsePointer(rawPath), rawPath };
  if (name === 'add' || name === 'replace' || name === 'test') {
    const value = raw['value'];
    if (value === undefined) throw apiErrors.badRequest(`json patch operation ${index} (${name}): missing "value"`);
    return { ...base, value };
  }
  if (name === 'move' || name === 'copy') {
    const rawFrom = raw['from'];
    if (typeof rawFrom !== 'string') throw apiErrors.badRequest(`json patch operation ${index} (${name}): missing "from"`);
    return { ...base, from: parsePointer(rawFrom), rawFrom };
  }
  return base;
}

function isOpName(op: unknown): op is OpName {
  return typeof op === 'string' && Object.hasOwn(OPS, op);
}

function applyOne(doc: JsonValue, op: Operation): JsonValue {
  switch (op.op) {
    case 'add':
      return add(doc, op.path, requireValue(op), op);
    case 'remove':
      return remove(doc, op.path, op).doc;
    case 'replace':
      return replace(doc, op.path, requireValue(op), op);
    case 'move': {
      const from = op.from ?? [];
      if (isProperPrefix(from, op.path)) throw patchNotApplicable(`move operation: "from" ${op.rawFrom ?? ''} is a prefix of "path" ${op.rawPath}`);
      const removed = remove(doc, from, op);
      return add(removed.doc, op.path, removed.value, op);
    }
    case 'copy':
      return add(doc, op.path, cloneJson(get(doc, op.from ?? [], op)), op);
    case 'test': {
      const actual = get(doc, op.path, op);
      if (!jsonEqual(actual, requireValue(op))) throw patchNotApplicable(`testing value ${op.rawPath} failed: test failed`);
      return doc;
    }
  }
}

function requireValue(op: Operation): JsonValue {
  return cloneJson(op.value ?? null);
}

function isProperPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length < path.length && prefix.every((t, i) => path[i] === t);
}

function missing(op: Operation, pointer: string): ApiError {
  return patchNotApplicable(`${op.op} operation does not apply: doc is missing path: "${pointer}"`);
}

/** Resolves the container (object or array) holding the last token of `path`. */
function parentOf(doc: JsonValue, path: readonly string[], op: Operation): JsonObject | JsonValue[] {
  let cur: JsonValue = doc;
  for (let i = 0; i < path.length - 1; i++) {
    const next = child(cur, path[i] ?? '');
    if (next === undefined) throw missing(op, pointerOf(path));
    cur = next;
  }
  if (!isJsonObject(cur) && !isJsonArray(cur)) throw missing(op, pointerOf(path));
  return cur;
}

function child(cur: JsonValue, token: string): JsonValue | undefined {
  if (isJsonArray(cur)) {
    const idx = arrayIndex(token);
    return idx === undefined ? undefined : cur[idx];
  }
  if (isJsonObject(cur)) return Object.hasOwn(cur, token) ? cur[token] : undefined;
  return undefined;
}

function arrayIndex(token: string): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : undefined;
}

function get(doc: JsonValue, path: readonly string[], op: Operation): JsonValue {
  let cur: JsonValue = doc;
  for (const token of path) {
    const next = child(cur, token);
    if (next === undefined) throw missing(op, pointerOf(path));
    cur = next;
  }
  return cur;
}

function add(doc: JsonValue, path: readonly string[], value: JsonValue, op: Operation): JsonValue {
  if (path.length === 0) return value;
  const parent = parentOf(doc, path, op);
  const last = path[path.length - 1] ?? '';
  if (isJsonArray(parent)) {
    if (last === '-') {
      parent.push(value);
      return doc;
    }
    const idx = arrayIndex(last);
    if (idx === undefined || idx > parent.length) throw patchNotApplicable(`${op.op} operation: index out of bounds at "${pointerOf(path)}"`);
    parent.splice(idx, 0, value);
    return doc;
  }
  parent[last] = value;
  return doc;
}

function replace(doc: JsonValue, path: readonly string[], value: JsonValue, op: Operation): JsonValue {
  if (path.length === 0) return value;
  get(doc, path, op);
  const parent = parentOf(doc, path, op);
  const last = path[path.length - 1] ?? '';
  if (isJsonArray(parent)) parent[arrayIndex(last) ?? 0] = value;
  else parent[last] = value;
  return doc;
}

function remove(doc: JsonValue, path: readonly string[], op: Operation): { doc: JsonValue; value: JsonValue } {
  if (path.length === 0) throw patchNotApplicable(`${op.op} operation: cannot remove the document root`);
  const parent = parentOf(doc, path, op);
  const last = path[path.length - 1] ?? '';
  if (isJsonArray(parent)) {
    const idx = arrayIndex(last);
    if (idx === undefined || idx >= parent.length) throw missing(op, pointerOf(path));
    const [value] = parent.splice(idx, 1);
    return { doc, value: value ?? null };
  }
  if (!Object.hasOwn(parent, last)) throw missing(op, pointerOf(path));
  const value = parent[last];
  delete parent[last];
  return { doc, value: value ?? null };
}

function pointerOf(path: readonly string[]): string {
  return path.map((t) => '/' + t.replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}
