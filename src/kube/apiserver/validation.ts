import { cloneJson, isJsonArray, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from '../../base/index.js';
import type { ResourceInfo } from './resources.js';
import {
  byteLength,
  goQuote,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  labelSelectorCauses,
  labelSelectorFromMeta,
  maxLenError,
  regexError,
} from './selectors.js';
import { apiErrors, type StatusCause } from './status.js';

/*
 * Object validation with Kubernetes' rules and its field.Error wording: object metadata (names, labels,
 * annotations, owner references), the checks users actually hit on built-in kinds, and CRD
 * openAPIV3Schema validation, pruning and defaulting for custom resources.
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

function cause(reason: string, field: string, message: string): StatusCause {
  return field === '' ? { reason, message } : { reason, message, field };
}

/** StatusCause builders mirroring apimachinery's field.Invalid/Required/NotSupported/… */
export const fieldErrors = {
  invalid: (field: string, value: unknown, detail: string): StatusCause =>
    cause('FieldValueInvalid', field, `Invalid value: ${formatBadValue(value)}${detail ? `: ${detail}` : ''}`),
  typeInvalid: (field: string, value: unknown, detail: string): StatusCause =>
    cause('FieldValueTypeInvalid', field, `Invalid value: ${formatBadValue(value)}: ${detail}`),
  required: (field: string, detail = ''): StatusCause => cause('FieldValueRequired', field, detail ? `Required value: ${detail}` : 'Required value'),
  notSupported: (field: string, value: unknown, valid: readonly string[]): StatusCause =>
    cause('FieldValueNotSupported', field, `Unsupported value: ${formatBadValue(value)}${valid.length ? `: supported values: ${valid.map(goQuote).join(', ')}` : ''}`),
  duplicate: (field: string, value: unknown): StatusCause => cause('FieldValueDuplicate', field, `Duplicate value: ${formatBadValue(value)}`),
  forbidden: (field: string, detail: string): StatusCause => cause('FieldValueForbidden', field, `Forbidden: ${detail}`),
  tooLong: (field: string, maxBytes: number): StatusCause => cause('FieldValueTooLong', field, `Too long: must have at most ${maxBytes} bytes`),
  tooMany: (field: string, actual: number, max: number): StatusCause => cause('FieldValueTooMany', field, `Too many: ${actual}: must have at most ${max} items`),
};

const child = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);
const asObject = (v: unknown): JsonObject | undefined => (isJsonObject(v) ? v : undefined);
const asArray = (v: unknown): JsonValue[] => (isJsonArray(v) ? v : []);
const asString = (v: unknown): string => (typeof v === 'string' ? v : '');

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

/** (name, isGenerateNamePrefix) → error details; Kubernetes' ValidateNameFunc. */
export type NameValidator = (name: string, prefix: boolean) => string[];

/** Kubernetes' maskTrailingDash: a generateName prefix may end in '-'. */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_RE = new RegExp(`^${DNS1035_LABEL_FMT}$`);

export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!DNS1035_LABEL_RE.test(value))
    errs.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        DNS1035_LABEL_FMT,
        'my-name',
        'abc-123',
      ),
    );
  return errs;
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

/** field.Path-style validation of a `map[string]string` of labels. */
export function validateLabels(labels: unknown, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (labels === undefined || labels === null) return out;
  if (!isJsonObject(labels)) return [fieldErrors.invalid(path, labels, 'must be a map of string keys to string values')];
  for (const [k, v] of Object.entries(labels)) {
    for (const m of isQualifiedName(k)) out.push(fieldErrors.invalid(path, k, m));
    if (typeof v !== 'string') out.push(fieldErrors.invalid(path, v, 'label values must be strings'));
    else for (const m of isValidLabelValue(v)) out.push(fieldErrors.invalid(path, v, m));
  }
  return out;
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

// ---------------------------------------------------------------------------------------------
// Built-in kinds
// ---------------------------------------------------------------------------------------------

const PORT_RANGE = 'must be between 1 and 65535, inclusive';
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function validPort(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}

function validateContainers(list: unknown, path: string, names: Set<string>, required: boolean, out: StatusCause[]): void {
  const containers = asArray(list);
  if (required && containers.length === 0) {
    out.push(fieldErrors.required(path));
    return;
  }
  containers.forEach((c, i) => {
    const p = `${path}[${i}]`;
    const ctr = asObject(c) ?? {};
    const name = asString(ctr['name']);
    if (name === '') out.push(fieldErrors.required(`${p}.name`));
    else for (const m of isDNS1123Label(name)) out.push(fieldErrors.invalid(`${p}.name`, name, m));
    if (names.has(name)) out.push(fieldErrors.duplicate(`${p}.name`, name));
    else names.add(name);
    const image = asString(ctr['image']);
    if (image === '') out.push(fieldErrors.required(`${p}.image`));
    else if (image.trim() !== image) out.push(fieldErrors.invalid(`${p}.image`, image, 'must not have leading or trailing whitespace'));
    asArray(ctr['ports']).forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      const po = asObject(port) ?? {};
      if (!validPort(po['containerPort'])) out.push(fieldErrors.invalid(`${pp}.containerPort`, po['containerPort'] ?? 0, PORT_RANGE));
      if (po['hostPort'] !== undefined && po['hostPort'] !== 0 && !validPort(po['hostPort'])) out.push(fieldErrors.invalid(`${pp}.hostPort`, po['hostPort'], PORT_RANGE));
      const proto = po['protocol'];
      if (proto !== undefined && !PROTOCOLS.includes(asString(proto))) out.push(fieldErrors.notSupported(`${pp}.protocol`, proto, PROTOCOLS));
    });
  });
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];

/** The PodSpec checks users hit: containers present, named (DNS label, unique), with an image; ports; restartPolicy. */
function validatePodSpec(spec: unknown, path: string, out: StatusCause[]): void {
  const s = asObject(spec) ?? {};
  const names = new Set<string>();
  validateContainers(s['initContainers'], `${path}.initContainers`, names, false, out);
  validateContainers(s['containers'], `${path}.containers`, names, true, out);
  const rp = s['restartPolicy'];
  if (rp !== undefined && !RESTART_POLICIES.includes(asString(rp))) out.push(fieldErrors.notSupported(`${path}.restartPolicy`, rp, RESTART_POLICIES));
  out.push(...validateLabels(s['nodeSelector'], `${path}.nodeSelector`));
}

/** Go's `%#v` of a map[string]string, as Kubernetes prints template labels. */
function goMapString(m: unknown): string {
  if (!isJsonObject(m)) return 'map[string]string(nil)';
  const body = Object.keys(m)
    .sort()
    .map((k) => `${goQuote(k)}:${goQuote(asString(m[k]))}`)
    .join(', ');
  return `map[string]string{${body}}`;
}

function nonNegative(obj: JsonObject | undefined, key: string, path: string, out: StatusCause[]): void {
  const v = obj?.[key];
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isInteger(v)) out.push(fieldErrors.invalid(`${path}.${key}`, v, 'must be an integer'));
  else if (v < 0) out.push(fieldErrors.invalid(`${path}.${key}`, v, 'must be greater than or equal to 0'));
}

/**
 * Deployment/ReplicaSet/StatefulSet/DaemonSet: selector present and non-empty, template labels matched by it,
 * template valid with restartPolicy Always, replicas ≥ 0.
 */
function validateWorkload(o: JsonObject, kindWord: string, out: StatusCause[]): void {
  const spec = asObject(o['spec']);
  nonNegative(spec, 'replicas', 'spec', out);
  nonNegative(spec, 'minReadySeconds', 'spec', out);
  const sel = spec?.['selector'];
  const template = asObject(spec?.['template']) ?? {};
  const tmeta = asObject(template['metadata']) ?? {};
  const selCauses = labelSelectorCauses(sel, 'spec.selector');
  out.push(...selCauses);
  if (sel === undefined || sel === null) {
    out.push(fieldErrors.required('spec.selector'));
  } else if (selCauses.length === 0) {
    const s = asObject(sel) ?? {};
    const count = Object.keys(asObject(s['matchLabels']) ?? {}).length + asArray(s['matchExpressions']).length;
    if (count === 0) out.push(fieldErrors.invalid('spec.selector', sel, `empty selector is invalid for ${kindWord}`));
    else {
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(asObject(tmeta['labels']) ?? {})) if (typeof v === 'string') labels[k] = v;
      if (!labelSelectorFromMeta(sel).matches(labels))
        out.push(cause('FieldValueInvalid', 'spec.template.metadata.labels', `Invalid value: ${goMapString(tmeta['labels'])}: \`selector\` does not match template \`labels\``));
    }
  }
  out.push(...validateLabels(tmeta['labels'], 'spec.template.metadata.labels'));
  out.push(...validateAnnotations(tmeta['annotations'], 'spec.template.metadata.annotations'));
  validatePodSpec(template['spec'], 'spec.template.spec', out);
  const rp = asObject(template['spec'])?.['restartPolicy'] ?? 'Always';
  if (rp !== 'Always' && RESTART_POLICIES.includes(asString(rp))) out.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
}

function validateJob(o: JsonObject, out: StatusCause[]): void {
  const spec = asObject(o['spec']);
  for (const k of ['parallelism', 'completions', 'backoffLimit', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished']) nonNegative(spec, k, 'spec', out);
  const template = asObject(spec?.['template']) ?? {};
  const tmeta = asObject(template['metadata']) ?? {};
  out.push(...validateLabels(tmeta['labels'], 'spec.template.metadata.labels'));
  validatePodSpec(template['spec'], 'spec.template.spec', out);
  const rp = asObject(template['spec'])?.['restartPolicy'] ?? 'Always';
  if (rp !== 'OnFailure' && rp !== 'Never') out.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', rp, ['OnFailure', 'Never']));
  if (spec?.['manualSelector'] === true) {
    const sel = spec['selector'];
    out.push(...labelSelectorCauses(sel, 'spec.selector'));
    if (sel === undefined || sel === null) out.push(fieldErrors.required('spec.selector'));
  }
}

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PORT_NAME_RE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

function isValidPortName(name: string): boolean {
  return name.length >= 1 && name.length <= 15 && PORT_NAME_RE.test(name) && !name.includes('--') && /[a-z]/.test(name);
}

function validateService(o: JsonObject, out: StatusCause[]): void {
  const spec = asObject(o['spec']) ?? {};
  const type = spec['type'] ?? 'ClusterIP';
  if (!SERVICE_TYPES.includes(asString(type))) out.push(fieldErrors.notSupported('spec.type', type, SERVICE_TYPES));
  if (type === 'ExternalName') {
    const en = asString(spec['externalName']);
    if (en === '') out.push(fieldErrors.required('spec.externalName'));
    else for (const m of isDNS1123Subdomain(en.replace(/\.$/, ''))) out.push(fieldErrors.invalid('spec.externalName', en, m));
  }
  const ports = asArray(spec['ports']);
  const headless = spec['clusterIP'] === 'None';
  if (ports.length === 0 && type !== 'ExternalName' && !headless) out.push(fieldErrors.required('spec.ports'));
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = `spec.ports[${i}]`;
    const po = asObject(port) ?? {};
    const name = asString(po['name']);
    if (ports.length > 1 && name === '') out.push(fieldErrors.required(`${p}.name`));
    else if (name !== '') {
      for (const m of isDNS1123Label(name)) out.push(fieldErrors.invalid(`${p}.name`, name, m));
      if (names.has(name)) out.push(fieldErrors.duplicate(`${p}.name`, name));
      names.add(name);
    }
    if (!validPort(po['port'])) out.push(fieldErrors.invalid(`${p}.port`, po['port'] ?? 0, PORT_RANGE));
    const proto = po['protocol'];
    if (proto !== undefined && !PROTOCOLS.includes(asString(proto))) out.push(fieldErrors.notSupported(`${p}.protocol`, proto, PROTOCOLS));
    const tp = po['targetPort'];
    if (typeof tp === 'number' && tp !== 0 && !validPort(tp)) out.push(fieldErrors.invalid(`${p}.targetPort`, tp, PORT_RANGE));
    if (typeof tp === 'string' && !isValidPortName(tp))
      out.push(fieldErrors.invalid(`${p}.targetPort`, tp, 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'));
    const np = po['nodePort'];
    if (np !== undefined && np !== 0 && type === 'ClusterIP') out.push(fieldErrors.forbidden(`${p}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
    else if (np !== undefined && np !== 0 && !validPort(np)) out.push(fieldErrors.invalid(`${p}.nodePort`, np, PORT_RANGE));
  });
  out.push(...validateLabels(spec['selector'], 'spec.selector'));
}

const CONFIG_KEY_FMT = '[-._a-zA-Z0-9]+';
const CONFIG_KEY_RE = /^[-._a-zA-Z0-9]+$/;
export const MAX_CONFIG_SIZE = 1024 * 1024;

export function isConfigMapKey(key: string): string[] {
  const errs: string[] = [];
  if (byteLength(key) > 253) errs.push(maxLenError(253));
  if (!CONFIG_KEY_RE.test(key))
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", CONFIG_KEY_FMT, 'key.name', 'KEY_NAME', 'key-name'));
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** Index of the first byte Go's strict base64 decoder rejects, or -1 when `s` is valid standard base64. */
export function base64ErrorOffset(s: string): number {
  const t = s.replace(/[\r\n]/g, '');
  for (let i = 0; i < t.length; i++) {
    const c = t[i] ?? '';
    if (/[A-Za-z0-9+/]/.test(c)) continue;
    if (c === '=' && i >= t.length - 2 && t.length % 4 === 0 && /^=*$/.test(t.slice(i)) && i % 4 >= 2) continue;
    return i;
  }
  if (t.length % 4 !== 0) return t.length - (t.length % 4);
  return -1;
}

function validateDataMap(map: unknown, path: string, base64: boolean, out: StatusCause[]): number {
  let size = 0;
  if (map === undefined || map === null) return size;
  if (!isJsonObject(map)) {
    out.push(fieldErrors.invalid(path, map, 'must be a map of string keys to string values'));
    return size;
  }
  for (const [k, v] of Object.entries(map)) {
    for (const m of isConfigMapKey(k)) out.push(fieldErrors.invalid(`${path}[${k}]`, k, m));
    if (typeof v !== 'string') {
      out.push(fieldErrors.invalid(`${path}[${k}]`, v, 'must be a string'));
      continue;
    }
    if (base64) {
      const at = base64ErrorOffset(v);
      if (at >= 0) out.push(fieldErrors.invalid(`${path}[${k}]`, v, `illegal base64 data at input byte ${at}`));
      size += Math.floor((v.replace(/[\r\n=]/g, '').length * 3) / 4);
    } else size += byteLength(v);
  }
  return size;
}

function validateConfigMap(o: JsonObject, out: StatusCause[]): void {
  let size = validateDataMap(o['data'], 'data', false, out);
  size += validateDataMap(o['binaryData'], 'binaryData', true, out);
  const data = asObject(o['data']) ?? {};
  for (const k of Object.keys(asObject(o['binaryData']) ?? {}))
    if (Object.prototype.hasOwnProperty.call(data, k)) out.push(fieldErrors.invalid(`data[${k}]`, k, 'duplicate of key present in binaryData'));
  if (size > MAX_CONFIG_SIZE) out.push(fieldErrors.tooLong('', MAX_CONFIG_SIZE));
}

function validateSecret(o: JsonObject, out: StatusCause[]): void {
  let size = validateDataMap(o['data'], 'data', true, out);
  size += validateDataMap(o['stringData'], 'stringData', false, out);
  if (size > MAX_CONFIG_SIZE) out.push(fieldErrors.tooLong('data', MAX_CONFIG_SIZE));
  const keys = new Set([...Object.keys(asObject(o['data']) ?? {}), ...Object.keys(asObject(o['stringData']) ?? {})]);
  const type = asString(o['type']);
  const requireKeys = (...ks: string[]): void => {
    for (const k of ks) if (!keys.has(k)) out.push(fieldErrors.required(`data[${k}]`));
  };
  if (type === 'kubernetes.io/tls') requireKeys('tls.crt', 'tls.key');
  else if (type === 'kubernetes.io/dockerconfigjson') requireKeys('.dockerconfigjson');
  else if (type === 'kubernetes.io/dockercfg') requireKeys('.dockercfg');
  else if (type === 'kubernetes.io/ssh-auth') requireKeys('ssh-privatekey');
  else if (type === 'kubernetes.io/service-account-token') {
    const ann = asObject(asObject(o['metadata'])?.['annotations']) ?? {};
    if (asString(ann['kubernetes.io/service-account.name']) === '') out.push(fieldErrors.required('metadata.annotations[kubernetes.io/service-account.name]'));
  }
}

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PRINTER_COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];

function validateCRD(o: JsonObject, out: StatusCause[]): void {
  const spec = asObject(o['spec']) ?? {};
  const names = asObject(spec['names']) ?? {};
  const group = asString(spec['group']);
  const plural = asString(names['plural']);
  const name = asString(asObject(o['metadata'])?.['name']);
  if (name !== `${plural}.${group}`) out.push(fieldErrors.invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  if (group === '') out.push(fieldErrors.required('spec.group'));
  else {
    for (const m of isDNS1123Subdomain(group)) out.push(fieldErrors.invalid('spec.group', group, m));
    if (!group.includes('.')) out.push(fieldErrors.invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  const scope = spec['scope'];
  if (scope === undefined || scope === '') out.push(fieldErrors.required('spec.scope'));
  else if (scope !== 'Cluster' && scope !== 'Namespaced') out.push(fieldErrors.notSupported('spec.scope', scope, ['Cluster', 'Namespaced']));

  // plural/singular must be DNS-1035 labels as written; kind/listKind only once lower-cased
  const dns1035 = (field: string, value: string, mixedCasePrefix = ''): void => {
    const e = isDNS1035Label(mixedCasePrefix ? value.toLowerCase() : value);
    if (e.length > 0) out.push(fieldErrors.invalid(field, value, mixedCasePrefix + e.join(',')));
  };
  const mixedCase = 'may have mixed case, but should otherwise match: ';
  if (plural === '') out.push(fieldErrors.required('spec.names.plural'));
  else dns1035('spec.names.plural', plural);
  const singular = asString(names['singular']);
  if (singular !== '') dns1035('spec.names.singular', singular);
  const kind = asString(names['kind']);
  if (kind === '') out.push(fieldErrors.required('spec.names.kind'));
  else dns1035('spec.names.kind', kind, mixedCase);
  const listKind = asString(names['listKind']);
  if (listKind !== '') {
    dns1035('spec.names.listKind', listKind, mixedCase);
    if (listKind === kind) out.push(fieldErrors.invalid('spec.names.listKind', listKind, 'kind and listKind may not be the same'));
  }

  const versions = asArray(spec['versions']);
  if (versions.length === 0) {
    out.push(fieldErrors.required('spec.versions', 'must have exactly one version marked as storage version'));
    return;
  }
  let storage = 0;
  let served = 0;
  const seen = new Set<string>();
  versions.forEach((raw, i) => {
    const p = `spec.versions[${i}]`;
    const v = asObject(raw) ?? {};
    const vname = asString(v['name']);
    if (vname === '') out.push(fieldErrors.required(`${p}.name`));
    else {
      for (const m of isDNS1035Label(vname)) out.push(fieldErrors.invalid(`${p}.name`, vname, m));
      if (seen.has(vname)) out.push(fieldErrors.duplicate(`${p}.name`, vname));
      seen.add(vname);
    }
    if (v['storage'] === true) storage++;
    if (v['served'] === true) served++;
    const schema = asObject(asObject(v['schema'])?.['openAPIV3Schema']);
    if (!schema) out.push(fieldErrors.required(`${p}.schema.openAPIV3Schema`, 'schemas are required'));
    else if (schema['type'] !== 'object' && schema['x-kubernetes-preserve-unknown-fields'] !== true) {
      if (schema['type'] === undefined) out.push(fieldErrors.required(`${p}.schema.openAPIV3Schema.type`, 'must not be empty at the root'));
      else out.push(fieldErrors.invalid(`${p}.schema.openAPIV3Schema.type`, schema['type'], 'must be object at the root'));
    }
    asArray(v['additionalPrinterColumns']).forEach((col, j) => {
      const cp = `${p}.additionalPrinterColumns[${j}]`;
      const c = asObject(col) ?? {};
      if (asString(c['name']) === '') out.push(fieldErrors.required(`${cp}.name`));
      if (!PRINTER_COLUMN_TYPES.includes(asString(c['type']))) out.push(fieldErrors.notSupported(`${cp}.type`, c['type'] ?? '', PRINTER_COLUMN_TYPES));
      if (asString(c['jsonPath']) === '') out.push(fieldErrors.required(`${cp}.jsonPath`));
    });
  });
  if (storage !== 1) out.push(fieldErrors.invalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
  if (served === 0) out.push(fieldErrors.invalid('spec.versions', versions, 'must have at least one version marked as served'));
}

/**
 * The checks Kubernetes enforces on built-in kinds that users actually run into (a deliberate subset of
 * pkg/apis/<group>/validation). Custom resources return [] here; use validateAgainstSchema for them.
 */
export function validateBuiltin(obj: JsonObject, res: ResourceInfo): StatusCause[] {
  if (res.custom) return [];
  const out: StatusCause[] = [];
  switch (`${res.group}/${res.plural}`) {
    case '/pods':
      validatePodSpec(obj['spec'], 'spec', out);
      break;
    case 'apps/deployments':
    case 'apps/replicasets':
      validateWorkload(obj, 'deployment', out);
      break;
    case 'apps/statefulsets':
      validateWorkload(obj, 'statefulset', out);
      break;
    case 'apps/daemonsets':
      validateWorkload(obj, 'daemonset', out);
      break;
    case 'batch/jobs':
      validateJob(obj, out);
      break;
    case '/services':
      validateService(obj, out);
      break;
    case '/configmaps':
      validateConfigMap(obj, out);
      break;
    case '/secrets':
      validateSecret(obj, out);
      break;
    case 'discovery.k8s.io/endpointslices': {
      const at = obj['addressType'];
      if (at === undefined || at === '') out.push(fieldErrors.required('addressType'));
      else if (!ADDRESS_TYPES.includes(asString(at))) out.push(fieldErrors.notSupported('addressType', at, ADDRESS_TYPES));
      break;
    }
    case 'scheduling.k8s.io/priorityclasses':
      if (typeof obj['value'] !== 'number' || !Number.isInteger(obj['value'])) out.push(fieldErrors.required('value'));
      break;
    case 'apiextensions.k8s.io/customresourcedefinitions':
      validateCRD(obj, out);
      break;
    default:
      break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// CRD openAPIV3Schema: validation, pruning, defaulting
// ---------------------------------------------------------------------------------------------

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
    if (maxLength !== undefined && len > maxLength) out.push(cause('FieldValueTooLong', path, `Too long: may not be longer than ${maxLength}`));
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
    const props = asObject(schema['properties']) ?? {};
    for (const req of asArray(schema['required'])) {
      if (typeof req === 'string' && (value[req] === undefined)) out.push(fieldErrors.required(child(path, req)));
    }
    const minProps = num(schema['minProperties']);
    const maxProps = num(schema['maxProperties']);
    const count = Object.keys(value).length;
    if (minProps !== undefined && count < minProps) out.push(fieldErrors.invalid(path, count, `${name} in body should have at least ${minProps} properties`));
    if (maxProps !== undefined && count > maxProps) out.push(cause('FieldValueTooMany', path, `Too many: ${count}: must have at most ${maxProps} items`));
    const additional = schema['additionalProperties'];
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (isRoot && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
      const ps = asObject(props[k]);
      if (ps) check(v, ps, child(path, k), out, false);
      else if (isJsonObject(additional)) check(v, additional, child(path, k), out, false);
      else if (additional === false) out.push(fieldErrors.forbidden(child(path, k), `${child(path, k)} in body is a forbidden property`));
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

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

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
    const props = asObject(s['properties']) ?? {};
    const additional = s['additionalProperties'];
    for (const [k, v] of Object.entries(x)) {
      if (v === undefined) continue;
      if (isEmbedded && ((k === 'apiVersion' || k === 'kind') ? typeof v === 'string' : k === 'metadata' && isJsonObject(v))) continue;
      const p = asObject(props[k]);
      if (p) pruneIn(v, p, false);
      else if (isJsonObject(additional)) pruneIn(v, additional, false);
      else if (additional === true) continue;
      else delete x[k];
    }
  } else if (isJsonArray(x)) {
    const items = s ? asObject(s['items']) : undefined;
    for (const v of x) pruneIn(v, items, false);
  }
}

function skipPrune(x: JsonValue, s: JsonObject): void {
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  if (isJsonObject(x)) {
    const props = asObject(s['properties']) ?? {};
    const additional = asObject(s['additionalProperties']);
    for (const [k, v] of Object.entries(x)) {
      if (v === undefined || (embedded && META_FIELDS.has(k))) continue;
      const p = asObject(props[k]);
      if (p) pruneIn(v, p, false);
      else if (additional) pruneIn(v, additional, false);
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
    const additional = asObject(s['additionalProperties']);
    for (const [k, v] of Object.entries(x)) {
      if (v === undefined) continue;
      const ps = asObject(props[k]) ?? additional;
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
