import { cloneJson, isJsonArray, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from '../../base/index.js';
import { base64ErrorOffset } from './builtin-validation.js';
import { asArray, asObject, child, fieldCause, fieldErrors, formatBadValue } from './meta-validation.js';
import { goQuote } from './name-syntax.js';
import type { StatusCause } from './status.js';

/*
 * CRD openAPIV3Schema handling for custom resources, in Kubernetes' order prune → default → validate:
 * structural pruning, defaulting and validation with its field.Error wording.
 */

function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

const regexCache = new Map<string, RegExp | null>();
function compiled(pattern: string): RegExp | null {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      re = null;
    }
    regexCache.set(pattern, re);
  }
  return re;
}

const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function formatOk(format: string, v: unknown): boolean {
  switch (format) {
    case 'date-time':
      return typeof v !== 'string' || (DATE_TIME_RE.test(v) && !Number.isNaN(Date.parse(v.replace(' ', 'T'))));
    case 'date':
      return typeof v !== 'string' || DATE_RE.test(v);
    case 'int32':
      return typeof v !== 'number' || (v >= -2147483648 && v <= 2147483647);
    case 'byte':
      return typeof v !== 'string' || base64ErrorOffset(v) < 0;
    default:
      return true;
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const fieldName = (path: string): string => path || 'body';
/** Fields of a whole object that the server, not the schema, looks after. */
const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/** The schema of an object's field `k`: its `properties` entry, else an object `additionalProperties`. */
function propertySchema(s: JsonObject, k: string): JsonObject | undefined {
  const props = asObject(s['properties']) ?? {};
  return asObject(props[k]) ?? asObject(s['additionalProperties']);
}

/** Validates one value against a structural schema node, appending Kubernetes-style causes. */
function check(value: unknown, schema: JsonObject, path: string, out: StatusCause[], isRoot: boolean): void {
  const name = fieldName(path);
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  const declared = typeof schema['type'] === 'string' ? schema['type'] : '';
  const allowed = intOrString ? ['integer', 'string'] : declared ? [declared] : [];
  const actual = jsonType(value);

  if (value === null) {
    if (schema['nullable'] === true || allowed.length === 0) return;
    out.push(fieldErrors.typeInvalid(path, 'null', `${name} in body must be of type ${allowed.join(',')}: "null"`));
    return;
  }
  if (allowed.length > 0 && !allowed.includes(actual) && !(actual === 'integer' && allowed.includes('number'))) {
    out.push(fieldErrors.typeInvalid(path, actual, `${name} in body must be of type ${allowed.join(',')}: ${goQuote(actual)}`));
    return;
  }

  const en = schema['enum'];
  if (isJsonArray(en) && !en.some((e) => jsonEqual(e, value)))
    out.push(fieldErrors.notSupported(path, value, en.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))));

  const format = typeof schema['format'] === 'string' ? schema['format'] : '';
  if (format && !formatOk(format, value)) out.push(fieldErrors.typeInvalid(path, value, `${name} in body must be of type ${format}: ${formatBadValue(value)}`));

  if (typeof value === 'string') {
    const len = [...value].length;
    const maxLength = num(schema['maxLength']);
    const minLength = num(schema['minLength']);
    if (maxLength !== undefined && len > maxLength) out.push(fieldCause('FieldValueTooLong', path, `Too long: may not be longer than ${maxLength}`));
    if (minLength !== undefined && len < minLength) out.push(fieldErrors.invalid(path, value, `${name} in body should be at least ${minLength} chars long`));
    const pattern = typeof schema['pattern'] === 'string' ? schema['pattern'] : undefined;
    if (pattern !== undefined && compiled(pattern)?.test(value) === false) out.push(fieldErrors.invalid(path, value, `${name} in body should match '${pattern}'`));
  }

  if (typeof value === 'number') {
    const min = num(schema['minimum']);
    const max = num(schema['maximum']);
    const exMin = schema['exclusiveMinimum'] === true;
    const exMax = schema['exclusiveMaximum'] === true;
    if (min !== undefined && (exMin ? value <= min : value < min))
      out.push(fieldErrors.invalid(path, value, `${name} in body should be greater than ${exMin ? '' : 'or equal to '}${min}`));
    if (max !== undefined && (exMax ? value >= max : value > max))
      out.push(fieldErrors.invalid(path, value, `${name} in body should be less than ${exMax ? '' : 'or equal to '}${max}`));
    const mult = num(schema['multipleOf']);
    if (mult !== undefined && mult > 0 && Math.abs(value / mult - Math.round(value / mult)) > 1e-9)
      out.push(fieldErrors.invalid(path, value, `${name} in body should be a multiple of ${mult}`));
  }

  if (Array.isArray(value)) {
    const minItems = num(schema['minItems']);
    const maxItems = num(schema['maxItems']);
    if (minItems !== undefined && value.length < minItems) out.push(fieldErrors.invalid(path, value.length, `${name} in body should have at least ${minItems} items`));
    if (maxItems !== undefined && value.length > maxItems) out.push(fieldErrors.tooMany(path, value.length, maxItems));
    if (schema['uniqueItems'] === true && value.some((a, i) => value.findIndex((b) => jsonEqual(a, b)) !== i))
      out.push(fieldErrors.invalid(path, value, `${name} in body shouldn't contain duplicates`));
    const items = asObject(schema['items']);
    if (items) value.forEach((item, i) => check(item, items, `${path}[${i}]`, out, false));
  }

  if (isJsonObject(value)) {
    for (const req of asArray(schema['required'])) {
      if (typeof req === 'string' && (value[req] === undefined)) out.push(fieldErrors.required(child(path, req)));
    }
    const minProps = num(schema['minProperties']);
    const maxProps = num(schema['maxProperties']);
    const count = Object.keys(value).length;
    if (minProps !== undefined && count < minProps) out.push(fieldErrors.invalid(path, count, `${name} in body should have at least ${minProps} properties`));
    if (maxProps !== undefined && count > maxProps) out.push(fieldErrors.tooMany(path, count, maxProps));
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (isRoot && META_FIELDS.has(k)) continue;
      const ps = propertySchema(schema, k);
      if (ps) check(v, ps, child(path, k), out, false);
      else if (schema['additionalProperties'] === false) out.push(fieldErrors.forbidden(child(path, k), `${child(path, k)} in body is a forbidden property`));
    }
  }

  for (const sub of asArray(schema['allOf'])) if (isJsonObject(sub)) check(value, sub, path, out, isRoot);
  const passes = (sub: unknown): boolean => {
    if (!isJsonObject(sub)) return true;
    const tmp: StatusCause[] = [];
    check(value, sub, path, tmp, isRoot);
    return tmp.length === 0;
  };
  const anyOf = asArray(schema['anyOf']);
  if (anyOf.length > 0 && !anyOf.some(passes)) out.push(fieldErrors.invalid(path, value, `${name} in body must validate at least one schema (anyOf)`));
  const oneOf = asArray(schema['oneOf']);
  if (oneOf.length > 0 && oneOf.filter(passes).length !== 1) out.push(fieldErrors.invalid(path, value, `${name} in body must validate one and only one schema (oneOf)`));
  const not = asObject(schema['not']);
  if (not && passes(not)) out.push(fieldErrors.invalid(path, value, `${name} in body must not validate the schema (not)`));
}

/**
 * Validates a custom resource against its CRD's openAPIV3Schema (structural subset: type, properties,
 * required, items, enum, pattern, min/max(+exclusive), min/maxLength, min/maxItems, uniqueItems, multipleOf,
 * min/maxProperties, format date-time/date/int32/byte, nullable, x-kubernetes-int-or-string,
 * additionalProperties, allOf/anyOf/oneOf/not). `default` is not validated; x-kubernetes-validations (CEL) are
 * ignored. apiVersion/kind/metadata at the root are left to the server.
 */
export function validateAgainstSchema(obj: JsonObject, schema: JsonObject): StatusCause[] {
  const out: StatusCause[] = [];
  check(obj, schema, '', out, true);
  return out;
}

function pruneIn(x: JsonValue, s: JsonObject | undefined, embedded: boolean): void {
  if (s && s['x-kubernetes-preserve-unknown-fields'] === true) {
    skipPrune(x, s);
    return;
  }
  const isEmbedded = embedded || s?.['x-kubernetes-embedded-resource'] === true;
  if (isJsonObject(x)) {
    if (!s) {
      for (const k of Object.keys(x)) delete x[k];
      return;
    }
    for (const [k, v] of Object.entries(x)) {
      if (v === undefined) continue;
      if (isEmbedded && ((k === 'apiVersion' || k === 'kind') ? typeof v === 'string' : k === 'metadata' && isJsonObject(v))) continue;
      const p = propertySchema(s, k);
      if (p) pruneIn(v, p, false);
      else if (s['additionalProperties'] !== true) delete x[k];
    }
  } else if (isJsonArray(x)) {
    const items = s ? asObject(s['items']) : undefined;
    for (const v of x) pruneIn(v, items, false);
  }
}

function skipPrune(x: JsonValue, s: JsonObject): void {
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  if (isJsonObject(x)) {
    for (const [k, v] of Object.entries(x)) {
      if (v === undefined || (embedded && META_FIELDS.has(k))) continue;
      const p = propertySchema(s, k);
      if (p) pruneIn(v, p, false);
    }
  } else if (isJsonArray(x)) {
    const items = asObject(s['items']);
    if (items) for (const v of x) skipPrune(v, items);
  }
}

/**
 * Structural pruning: drops every field the schema does not specify, unless a node sets
 * x-kubernetes-preserve-unknown-fields (or additionalProperties). apiVersion, kind and metadata are kept at the
 * root and in x-kubernetes-embedded-resource nodes. Returns a pruned copy; the input is not modified.
 */
export function pruneUnknownFields(obj: JsonObject, schema: JsonObject): JsonObject {
  const copy = cloneJson(obj);
  pruneIn(copy, schema, true);
  return copy;
}

function defaultIn(x: JsonValue, s: JsonObject): void {
  if (isJsonObject(x)) {
    const props = asObject(s['properties']) ?? {};
    for (const [k, p] of Object.entries(props)) {
      const ps = asObject(p);
      if (!ps || ps['default'] === undefined) continue;
      const cur = x[k];
      if (cur === undefined || (cur === null && ps['nullable'] !== true)) x[k] = cloneJson(ps['default']);
    }
    for (const [k, v] of Object.entries(x)) {
      if (v === undefined) continue;
      const ps = propertySchema(s, k);
      if (!ps) continue;
      // a null in a non-nullable field without default is dropped (PruneNonNullableNullsWithoutDefaults)
      if (v === null && ps['nullable'] !== true && ps['default'] === undefined) {
        delete x[k];
        continue;
      }
      defaultIn(v, ps);
    }
  } else if (isJsonArray(x)) {
    const items = asObject(s['items']);
    if (items) for (const v of x) defaultIn(v, items);
  }
}

/**
 * Applies `default` values from the schema (top-down, so defaulted objects get their own defaults), also
 * replacing nulls in non-nullable fields; nulls in non-nullable fields without a default are removed.
 * Returns a defaulted copy. Kubernetes' order is prune → default → validate.
 */
export function applyDefaults(obj: JsonObject, schema: JsonObject): JsonObject {
  const copy = cloneJson(obj);
  defaultIn(copy, schema);
  return copy;
}
