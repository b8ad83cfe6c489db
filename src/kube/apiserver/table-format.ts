import { isJsonArray, isJsonObject } from '../../base/index.js';

/*
 * Formatting helpers of server-side printing: kubectl's human durations and timestamps, and the JSONPath subset
 * CRD additionalPrinterColumns use, with Go's JSON output for the values it finds.
 */

// ---------------------------------------------------------------------------------------------
// Durations and timestamps (apimachinery util/duration.HumanDuration)
// ---------------------------------------------------------------------------------------------

/** kubectl's human duration for `ms` milliseconds: `45s`, `3m20s`, `15m`, `5h3m`, `20h`, `2d4h`, `45d`, `2y30d`, `10y`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const dy = days % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

/** A timestamp in ms since the epoch; undefined when missing or unparsable. */
export function parseTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** translateTimestampSince: `<unknown>` for a missing timestamp. */
export function since(v: unknown, now: number): string {
  const t = parseTime(v);
  return t === undefined ? '<unknown>' : humanDuration(now - t);
}

/** A timestamp as Go prints a metav1.Time: RFC 3339 in seconds, the zero time when missing. */
export function rfc3339(v: unknown): string {
  const t = parseTime(v);
  return t === undefined ? '0001-01-01T00:00:00Z' : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------------------------------------
// JSONPath (the subset CRD printer columns use)
// ---------------------------------------------------------------------------------------------

type Step =
  | { readonly t: 'field'; readonly name: string }
  | { readonly t: 'recursive'; readonly name: string }
  | { readonly t: 'wild' }
  | { readonly t: 'index'; readonly i: number }
  | { readonly t: 'slice'; readonly start: number | undefined; readonly end: number | undefined }
  | { readonly t: 'filter'; readonly path: readonly Step[]; readonly op: string | undefined; readonly lit: unknown };

function parseLiteral(s: string): unknown {
  const t = s.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return t.slice(1, -1);
  if (t === 'true' || t === 'false') return t === 'true';
  if (t === 'nil' || t === 'null') return null;
  const n = Number(t);
  return t !== '' && !Number.isNaN(n) ? n : t;
}

function parseSteps(input: string): Step[] {
  let p = input.trim();
  if (p.startsWith('{') && p.endsWith('}')) p = p.slice(1, -1).trim();
  if (p.startsWith('$')) p = p.slice(1);
  if (p.startsWith('@')) p = p.slice(1);
  const steps: Step[] = [];
  let i = 0;
  const readName = (): string => {
    let out = '';
    while (i < p.length && p[i] !== '.' && p[i] !== '[') {
      if (p[i] === '\\' && i + 1 < p.length) i++;
      out += p[i];
      i++;
    }
    return out;
  };
  while (i < p.length) {
    const c = p[i];
    if (c === '.') {
      if (p[i + 1] === '.') {
        i += 2;
        steps.push({ t: 'recursive', name: readName() });
        continue;
      }
      i++;
      if (p[i] === '*') {
        i++;
        steps.push({ t: 'wild' });
        continue;
      }
      const n = readName();
      if (n !== '') steps.push({ t: 'field', name: n });
      continue;
    }
    if (c === '[') {
      let depth = 0;
      let j = i;
      let quote = '';
      for (; j < p.length; j++) {
        const ch = p[j];
        if (quote) {
          if (ch === quote) quote = '';
        } else if (ch === '"' || ch === "'") quote = ch;
        else if (ch === '[') depth++;
        else if (ch === ']' && --depth === 0) break;
      }
      const inner = p.slice(i + 1, j).trim();
      i = j + 1;
      if (inner === '*') steps.push({ t: 'wild' });
      else if (inner.startsWith('?(') && inner.endsWith(')')) {
        const expr = inner.slice(2, -1).trim();
        const m = /^(@[^=!<>]*?)\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(expr);
        if (m) steps.push({ t: 'filter', path: parseSteps(m[1] ?? '@'), op: m[2], lit: parseLiteral(m[3] ?? '') });
        else steps.push({ t: 'filter', path: parseSteps(expr), op: undefined, lit: undefined });
      } else if ((inner.startsWith("'") && inner.endsWith("'")) || (inner.startsWith('"') && inner.endsWith('"'))) {
        steps.push({ t: 'field', name: inner.slice(1, -1) });
      } else if (inner.includes(':')) {
        const [a, b] = inner.split(':');
        steps.push({ t: 'slice', start: a?.trim() ? Number(a) : undefined, end: b?.trim() ? Number(b) : undefined });
      } else {
        steps.push({ t: 'index', i: Number(inner) });
      }
      continue;
    }
    // a path without a leading dot (`spec.replicas`)
    const n = readName();
    if (n !== '') steps.push({ t: 'field', name: n });
    else i++;
  }
  return steps;
}

function compare(a: unknown, op: string, b: unknown): boolean {
  if (op === '==') return a === b || (typeof a === 'number' && typeof b === 'number' && a === b) || String(a) === String(b);
  if (op === '!=') return !(String(a) === String(b));
  if (typeof a !== 'number' || typeof b !== 'number') return false;
  return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
}

function applySteps(values: unknown[], steps: readonly Step[]): unknown[] {
  let cur = values;
  for (const s of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      switch (s.t) {
        case 'field':
          if (isJsonObject(v) && v[s.name] !== undefined) next.push(v[s.name]);
          break;
        case 'wild':
          if (isJsonArray(v)) next.push(...v);
          else if (isJsonObject(v)) next.push(...Object.keys(v).sort().map((k) => v[k]));
          break;
        case 'index':
          if (isJsonArray(v)) {
            const idx = s.i < 0 ? v.length + s.i : s.i;
            if (idx >= 0 && idx < v.length) next.push(v[idx]);
          }
          break;
        case 'slice':
          if (isJsonArray(v)) next.push(...v.slice(s.start, s.end));
          break;
        case 'recursive': {
          const walk = (x: unknown): void => {
            if (isJsonObject(x)) {
              if (x[s.name] !== undefined) next.push(x[s.name]);
              for (const k of Object.keys(x).sort()) walk(x[k]);
            } else if (isJsonArray(x)) x.forEach(walk);
          };
          walk(v);
          break;
        }
        case 'filter':
          if (isJsonArray(v))
            for (const item of v) {
              const found = applySteps([item], s.path);
              if (s.op === undefined ? found.length > 0 : found.length > 0 && compare(found[0], s.op, s.lit)) next.push(item);
            }
          break;
      }
    }
    cur = next;
  }
  return cur;
}

/** Parses a simple JSONPath once; the function returned evaluates it against a root to all matches. */
export function compileJsonPath(path: string): (root: unknown) => unknown[] {
  const steps = parseSteps(path);
  return (root) => applySteps([root], steps);
}

/** Evaluates a simple JSONPath (`.spec.replicas`, `.status.conditions[?(@.type=="Ready")].status`, `.items[0]`, `[*]`) to all matches. */
export function evalJsonPath(root: unknown, path: string): unknown[] {
  return compileJsonPath(path)(root);
}

/** Go's encoding/json output for a JSON value (sorted keys), as jsonpath prints objects in string columns. */
export function goJson(v: unknown): string {
  if (isJsonArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (isJsonObject(v))
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${goJson(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v ?? null);
}
