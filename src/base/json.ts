/** JSON values as they come off the wire. Decode with the guards below; never cast. */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue | undefined;
}

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isJsonArray(v: unknown): v is JsonValue[] {
  return Array.isArray(v);
}

/** Reads `obj.a.b.c` as unknown; undefined when any step is missing or not an object. */
export function getPath(obj: unknown, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (!isJsonObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

export function getString(obj: unknown, path: readonly string[]): string | undefined {
  const v = getPath(obj, path);
  return typeof v === 'string' ? v : undefined;
}

export function getObject(obj: unknown, path: readonly string[]): JsonObject | undefined {
  const v = getPath(obj, path);
  return isJsonObject(v) ? v : undefined;
}

/** Deep copy of a JSON value (structuredClone keeps the JSON shape for these). */
export function cloneJson<T extends JsonValue | JsonObject>(v: T): T {
  return structuredClone(v);
}

/** Structural equality of two JSON values; key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    for (const k of ka) if (!jsonEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** JSON with object keys sorted and undefined members dropped: equal values give equal text whatever their key order (for hashes). */
export function sortedKeyJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedKeyJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${sortedKeyJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
