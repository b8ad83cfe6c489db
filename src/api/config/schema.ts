/**
 * A small declarative schema for the config files: each field says its type and range, objects list
 * the keys we honour and the KubeEdge keys we accept but ignore. `applySchema` merges a parsed document
 * over the defaults and collects every violation with its path, so one run reports all of them.
 */

export type FieldSpec =
  | { readonly kind: 'bool' }
  | { readonly kind: 'int'; readonly min: number; readonly max: number; readonly what: string }
  | { readonly kind: 'number'; readonly positive: true }
  | { readonly kind: 'string'; readonly check?: (v: string) => string | undefined }
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'string-list'; readonly dropEmpty?: boolean; readonly check?: (v: string) => string | undefined }
  | { readonly kind: 'string-map' }
  | ObjectSpec;

export interface ObjectSpec {
  readonly kind: 'object';
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** Keys KubeEdge knows that we accept and ignore; 'any' accepts every unknown key. */
  readonly ignored?: readonly string[] | 'any';
}

/** Builders, so schemas read as a table. */
export const f = {
  bool: (): FieldSpec => ({ kind: 'bool' }),
  port: (): FieldSpec => ({ kind: 'int', min: 0, max: 65535, what: 'a port number (0-65535)' }),
  positiveInt: (): FieldSpec => ({ kind: 'int', min: 1, max: Number.MAX_SAFE_INTEGER, what: 'a positive integer' }),
  percent: (): FieldSpec => ({ kind: 'int', min: 0, max: 100, what: 'a percentage (0-100)' }),
  positive: (): FieldSpec => ({ kind: 'number', positive: true }),
  string: (check?: (v: string) => string | undefined): FieldSpec => (check === undefined ? { kind: 'string' } : { kind: 'string', check }),
  literal: (value: string): FieldSpec => ({ kind: 'literal', value }),
  oneOf: (values: readonly string[]): FieldSpec => ({ kind: 'enum', values }),
  strings: (opts: { dropEmpty?: boolean; check?: (v: string) => string | undefined } = {}): FieldSpec => ({ kind: 'string-list', ...opts }),
  stringMap: (): FieldSpec => ({ kind: 'string-map' }),
  object: (fields: Record<string, FieldSpec>, ignored?: readonly string[] | 'any'): ObjectSpec =>
    ignored === undefined ? { kind: 'object', fields } : { kind: 'object', fields, ignored },
} as const;

/** `HOST:PORT` with a non-empty host (IPv6 in brackets) and a port 0-65535; undefined when valid. */
export function checkHostPort(v: string): string | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(v);
  if (m === null || Number(m[2]) > 65535) return 'must be HOST:PORT';
  return undefined;
}

/** `https://HOST:PORT`. */
export function checkHttpsUrl(v: string): string | undefined {
  const m = /^https:\/\/(.+?)\/?$/.exec(v);
  if (m === null || m[1] === undefined || checkHostPort(m[1]) !== undefined) return 'must be https://HOST:PORT';
  return undefined;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (isRecord(v)) return 'an object';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/**
 * Returns `value` validated against `spec`, with `fallback` (the default) where the document says
 * nothing (absent or null). Violations are pushed to `errors` and the default is kept for them.
 */
export function applySchema(spec: FieldSpec, value: unknown, fallback: unknown, path: string, errors: string[]): unknown {
  if (value === undefined || value === null) return fallback;
  const bad = (what: string): unknown => {
    errors.push(`${path}: ${what}, got ${show(value)}`);
    return fallback;
  };
  switch (spec.kind) {
    case 'bool':
      return typeof value === 'boolean' ? value : bad('must be true or false');
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) && value >= spec.min && value <= spec.max ? value : bad(`must be ${spec.what}`);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : bad('must be a positive number');
    case 'literal':
      return value === spec.value ? value : bad(`must be "${spec.value}"`);
    case 'enum':
      return typeof value === 'string' && spec.values.includes(value) ? value : bad(`must be one of ${spec.values.join('|')}`);
    case 'string': {
      if (typeof value !== 'string') return bad('must be a string');
      const problem = spec.check?.(value);
      return problem === undefined ? value : bad(problem);
    }
    case 'string-list': {
      if (!Array.isArray(value)) return bad('must be a list of strings');
      const out: string[] = [];
      value.forEach((item: unknown, i) => {
        if (typeof item !== 'string') {
          errors.push(`${path}[${i}]: must be a string, got ${show(item)}`);
          return;
        }
        if (item === '' && spec.dropEmpty === true) return;
        const problem = spec.check?.(item);
        if (problem !== undefined) errors.push(`${path}[${i}]: ${problem}, got ${show(item)}`);
        else out.push(item);
      });
      return out;
    }
    case 'string-map': {
      if (!isRecord(value)) return bad('must be a map of strings');
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(value)) {
        if (typeof v === 'string') out[k] = v;
        else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
        else errors.push(`${join(path, k)}: must be a string, got ${show(v)}`);
      }
      return out;
    }
    case 'object': {
      if (!isRecord(value)) return bad('must be an object');
      const base = isRecord(fallback) ? fallback : {};
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(spec.fields)) out[key] = applySchema(child, value[key], base[key], join(path, key), errors);
      for (const key of Object.keys(value)) {
        if (key in spec.fields) continue;
        if (spec.ignored === 'any' || spec.ignored?.includes(key) === true) continue;
        errors.push(`${join(path, key)}: unknown field`);
      }
      return out;
    }
  }
}
