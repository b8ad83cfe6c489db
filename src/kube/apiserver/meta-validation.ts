import { isJsonArray, isJsonObject, type JsonObject, type JsonValue } from '../../base/index.js';
import { byteLength, goQuote, isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from './name-syntax.js';
import type { ResourceInfo } from './resources.js';
import { apiErrors, type StatusCause } from './status.js';

/*
 * Object metadata validation with Kubernetes' rules (names, namespace, labels, annotations, owner references,
 * finalizers) and the field.Error wording that it, builtin-validation.ts and schema-validation.ts report in.
 */

// ---------------------------------------------------------------------------------------------
// field.Error equivalents
// ---------------------------------------------------------------------------------------------

/** A bad value as field.Error prints it: strings quoted, numbers/booleans bare, the rest as JSON. */
export function formatBadValue(v: unknown): string {
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === undefined || v === null) return 'null';
  return JSON.stringify(v);
}

/** A StatusCause with a ready message; the field is left out when it is ''. */
export function fieldCause(reason: string, field: string, message: string): StatusCause {
  return field === '' ? { reason, message } : { reason, message, field };
}

/** StatusCause builders mirroring apimachinery's field.Invalid/Required/NotSupported/… */
export const fieldErrors = {
  invalid: (field: string, value: unknown, detail: string): StatusCause =>
    fieldCause('FieldValueInvalid', field, `Invalid value: ${formatBadValue(value)}${detail ? `: ${detail}` : ''}`),
  typeInvalid: (field: string, value: unknown, detail: string): StatusCause =>
    fieldCause('FieldValueTypeInvalid', field, `Invalid value: ${formatBadValue(value)}: ${detail}`),
  required: (field: string, detail = ''): StatusCause => fieldCause('FieldValueRequired', field, detail ? `Required value: ${detail}` : 'Required value'),
  notSupported: (field: string, value: unknown, valid: readonly string[]): StatusCause =>
    fieldCause('FieldValueNotSupported', field, `Unsupported value: ${formatBadValue(value)}${valid.length ? `: supported values: ${valid.map(goQuote).join(', ')}` : ''}`),
  duplicate: (field: string, value: unknown): StatusCause => fieldCause('FieldValueDuplicate', field, `Duplicate value: ${formatBadValue(value)}`),
  forbidden: (field: string, detail: string): StatusCause => fieldCause('FieldValueForbidden', field, `Forbidden: ${detail}`),
  tooLong: (field: string, maxBytes: number): StatusCause => fieldCause('FieldValueTooLong', field, `Too long: must have at most ${maxBytes} bytes`),
  tooMany: (field: string, actual: number, max: number): StatusCause => fieldCause('FieldValueTooMany', field, `Too many: ${actual}: must have at most ${max} items`),
};

/** Readers the validation files share: a child field path and lenient views of decoded JSON. */
export const child = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);
export const asObject = (v: unknown): JsonObject | undefined => (isJsonObject(v) ? v : undefined);
export const asArray = (v: unknown): JsonValue[] => (isJsonArray(v) ? v : []);
export const asString = (v: unknown): string => (typeof v === 'string' ? v : '');

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

/** (name, isGenerateNamePrefix) → error details; Kubernetes' ValidateNameFunc. */
export type NameValidator = (name: string, prefix: boolean) => string[];

/** Kubernetes' maskTrailingDash: a generateName prefix may end in '-'. */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

export function isValidPathSegmentName(name: string, prefix = false): string[] {
  if (!prefix && (name === '.' || name === '..')) return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

export const nameIsDNSSubdomain: NameValidator = (n, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(n) : n);
export const nameIsDNSLabel: NameValidator = (n, prefix) => isDNS1123Label(prefix ? maskTrailingDash(n) : n);
export const nameIsDNS1035Label: NameValidator = (n, prefix) => isDNS1035Label(prefix ? maskTrailingDash(n) : n);
export const nameIsPathSegment: NameValidator = (n, prefix) => isValidPathSegmentName(n, prefix);

const NAME_RULES: Readonly<Record<string, NameValidator>> = {
  '/namespaces': nameIsDNSLabel,
  '/services': nameIsDNS1035Label,
  '/nodes': nameIsDNSSubdomain,
  '/pods': nameIsDNSSubdomain,
  '/configmaps': nameIsDNSSubdomain,
  '/secrets': nameIsDNSSubdomain,
  '/endpoints': nameIsDNSSubdomain,
  '/events': nameIsDNSSubdomain,
  '/serviceaccounts': nameIsDNSSubdomain,
  '/replicationcontrollers': nameIsDNSSubdomain,
  'coordination.k8s.io/leases': nameIsDNSSubdomain,
  'apps/deployments': nameIsDNSSubdomain,
  'apps/replicasets': nameIsDNSSubdomain,
  'apps/daemonsets': nameIsDNSSubdomain,
  'apps/statefulsets': nameIsDNSSubdomain,
  'apps/controllerrevisions': nameIsDNSSubdomain,
  'batch/jobs': nameIsDNSSubdomain,
  'scheduling.k8s.io/priorityclasses': nameIsDNSSubdomain,
  'discovery.k8s.io/endpointslices': nameIsDNSSubdomain,
  'apiextensions.k8s.io/customresourcedefinitions': nameIsDNSSubdomain,
};

/** The metadata.name rule of a resource: DNS-1123 label for namespaces, DNS-1035 for services, subdomain for most, path segment for unknown kinds. */
export function nameValidatorFor(res: ResourceInfo): NameValidator {
  if (res.custom) return nameIsDNSSubdomain;
  return NAME_RULES[`${res.group}/${res.plural}`] ?? nameIsPathSegment;
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** A name from a generateName prefix: the prefix cut to 58 characters plus 5 random characters. */
export function generateName(prefix: string, random: () => number = Math.random): string {
  let out = prefix.length > 58 ? prefix.slice(0, 58) : prefix;
  for (let i = 0; i < 5; i++) out += GENERATE_ALPHABET[Math.floor(random() * GENERATE_ALPHABET.length) % GENERATE_ALPHABET.length] ?? 'x';
  return out;
}

// ---------------------------------------------------------------------------------------------
// Object metadata
// ---------------------------------------------------------------------------------------------

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

const NAMESPACE_MISMATCH = 'the namespace of the provided object does not match the namespace sent on the request';

/**
 * Kubernetes' EnsureObjectNamespaceMatchesRequestNamespace: fills an unset body namespace from the URL, clears
 * it for cluster-scoped kinds, and throws BadRequest when body and URL disagree. Mutates `obj`.
 */
export function ensureNamespace(obj: JsonObject, res: ResourceInfo, requestNamespace: string | undefined): void {
  const expected = res.namespaced ? (requestNamespace ?? '') : '';
  let meta = asObject(obj['metadata']);
  if (!meta) {
    meta = {};
    obj['metadata'] = meta;
  }
  const actual = asString(meta['namespace']);
  if (actual === expected) return;
  if (actual === '') meta['namespace'] = expected;
  else if (expected === '') delete meta['namespace'];
  else throw apiErrors.badRequest(NAMESPACE_MISMATCH);
}

/** Causes for the entries of a label map: qualified-name keys and label values; `notString` for a value that is no string. */
export function labelEntryCauses(labels: JsonObject, path: string, notString: string): StatusCause[] {
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels)) {
    for (const m of isQualifiedName(k)) out.push(fieldErrors.invalid(path, k, m));
    if (typeof v !== 'string') out.push(fieldErrors.invalid(path, v, notString));
    else for (const m of isValidLabelValue(v)) out.push(fieldErrors.invalid(path, v, m));
  }
  return out;
}

/** field.Path-style validation of a `map[string]string` of labels. */
export function validateLabels(labels: unknown, path: string): StatusCause[] {
  if (labels === undefined || labels === null) return [];
  if (!isJsonObject(labels)) return [fieldErrors.invalid(path, labels, 'must be a map of string keys to string values')];
  return labelEntryCauses(labels, path, 'label values must be strings');
}

export function validateAnnotations(annotations: unknown, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (annotations === undefined || annotations === null) return out;
  if (!isJsonObject(annotations)) return [fieldErrors.invalid(path, annotations, 'must be a map of string keys to string values')];
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const m of isQualifiedName(k.toLowerCase())) out.push(fieldErrors.invalid(path, k, m));
    if (typeof v !== 'string') out.push(fieldErrors.invalid(path, v, 'annotation values must be strings'));
    total += byteLength(k) + (typeof v === 'string' ? byteLength(v) : 0);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) out.push(fieldErrors.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return out;
}

export interface ObjectMetaOptions {
  /** The namespace from the URL, when the request had one. */
  readonly namespace?: string | undefined;
  /** On create an empty name is fine when generateName is set (the server generates the name). */
  readonly isCreate: boolean;
}

/**
 * ValidateObjectMeta: name / generateName per the resource's name rule, namespace presence and syntax,
 * generation, labels, annotations (keys and total size), ownerReferences and finalizers.
 * Throws BadRequest when the body namespace differs from the URL namespace (Kubernetes does that before validating).
 */
export function validateObjectMeta(obj: JsonObject, res: ResourceInfo, opts: ObjectMetaOptions): StatusCause[] {
  const out: StatusCause[] = [];
  const rawMeta = obj['metadata'];
  if (rawMeta !== undefined && rawMeta !== null && !isJsonObject(rawMeta)) return [fieldErrors.invalid('metadata', rawMeta, 'must be an object')];
  const meta = asObject(rawMeta) ?? {};
  const nameFn = nameValidatorFor(res);

  const generate = asString(meta['generateName']);
  if (generate !== '') for (const m of nameFn(generate, true)) out.push(fieldErrors.invalid('metadata.generateName', generate, m));
  const name = asString(meta['name']);
  if (name === '') {
    if (!(opts.isCreate && generate !== '')) out.push(fieldErrors.required('metadata.name', 'name or generateName is required'));
  } else {
    for (const m of nameFn(name, false)) out.push(fieldErrors.invalid('metadata.name', name, m));
  }

  const bodyNs = asString(meta['namespace']);
  if (res.namespaced) {
    if (opts.namespace !== undefined && opts.namespace !== '' && bodyNs !== '' && bodyNs !== opts.namespace) throw apiErrors.badRequest(NAMESPACE_MISMATCH);
    const ns = bodyNs || (opts.namespace ?? '');
    if (ns === '') out.push(fieldErrors.required('metadata.namespace'));
    else for (const m of isDNS1123Label(ns)) out.push(fieldErrors.invalid('metadata.namespace', ns, m));
  }

  const generation = meta['generation'];
  if (typeof generation === 'number' && generation < 0) out.push(fieldErrors.invalid('metadata.generation', generation, 'must be greater than or equal to 0'));

  out.push(...validateLabels(meta['labels'], 'metadata.labels'));
  out.push(...validateAnnotations(meta['annotations'], 'metadata.annotations'));

  let firstController = '';
  for (const ref of asArray(meta['ownerReferences'])) {
    const r = asObject(ref) ?? {};
    const p = 'metadata.ownerReferences';
    const apiVersion = asString(r['apiVersion']);
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    if (version === '') out.push(fieldErrors.invalid(`${p}.apiVersion`, apiVersion, 'version must not be empty'));
    for (const f of ['kind', 'name', 'uid'] as const) if (asString(r[f]) === '') out.push(fieldErrors.invalid(`${p}.${f}`, '', 'must not be empty'));
    if (r['controller'] === true) {
      const current = `${asString(r['kind'])}/${asString(r['name'])}`;
      if (firstController !== '')
        out.push(
          fieldErrors.invalid(p, meta['ownerReferences'], `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`),
        );
      else firstController = current;
    }
  }
  for (const f of asArray(meta['finalizers'])) {
    const s = asString(f);
    for (const m of isQualifiedName(s)) out.push(fieldErrors.invalid('metadata.finalizers', s, m));
  }
  return out;
}
