/**
 * Small readers for JSON coming back from servers and tools. Responses are `unknown`; these walk
 * them without casts so tests can assert on nested fields under `noUncheckedIndexedAccess`.
 */
export type JsonRecord = Record<string, unknown>;

export function isRecord(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function splitPath(path: string | readonly (string | number)[]): readonly (string | number)[] {
  return typeof path === 'string' ? path.split('.').filter((p) => p !== '') : path;
}

/** `at(obj, 'metadata.labels')` or `at(obj, ['metadata', 'annotations', 'example.com/a'])`; numbers index arrays. */
export function at(v: unknown, path: string | readonly (string | number)[]): unknown {
  let cur: unknown = v;
  for (const step of splitPath(path)) {
    if (typeof step === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[step];
    } else if (Array.isArray(cur) && /^\d+$/.test(step)) {
      cur = cur[Number(step)];
    } else {
      if (!isRecord(cur)) return undefined;
      cur = cur[step];
    }
  }
  return cur;
}

export function str(v: unknown, path: string | readonly (string | number)[]): string | undefined {
  const x = at(v, path);
  return typeof x === 'string' ? x : undefined;
}

export function num(v: unknown, path: string | readonly (string | number)[]): number | undefined {
  const x = at(v, path);
  return typeof x === 'number' ? x : undefined;
}

export function arr(v: unknown, path: string | readonly (string | number)[]): readonly unknown[] {
  const x = at(v, path);
  return Array.isArray(x) ? x : [];
}

export function rec(v: unknown, path: string | readonly (string | number)[]): JsonRecord {
  const x = at(v, path);
  return isRecord(x) ? x : {};
}

/** A resourceVersion as a BigInt (ours are decimal integers); throws on anything else. */
export function rvOf(v: unknown): bigint {
  const rv = typeof v === 'string' ? v : str(v, 'metadata.resourceVersion');
  if (rv === undefined || !/^\d+$/.test(rv)) throw new Error(`not a numeric resourceVersion: ${JSON.stringify(rv)}`);
  return BigInt(rv);
}

/** Compact JSON for assertion messages, cut to `max` characters. */
export function brief(v: unknown, max = 2000): string {
  let s: string;
  try {
    s = typeof v === 'string' ? v : JSON.stringify(v);
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}
