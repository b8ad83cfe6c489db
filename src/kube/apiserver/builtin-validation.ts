import { isJsonObject, type JsonObject } from '../../base/index.js';
import { labelSelectorCauses, labelSelectorFromMeta } from './label-selector.js';
import { asArray, asObject, asString, fieldCause, fieldErrors, validateAnnotations, validateLabels } from './meta-validation.js';
import { byteLength, checkSyntax, goQuote, isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, syntaxRule } from './name-syntax.js';
import type { ResourceInfo } from './resources.js';
import type { StatusCause } from './status.js';

/*
 * The checks Kubernetes enforces on built-in kinds that users actually run into (a deliberate subset of
 * pkg/apis/<group>/validation), with its field.Error wording.
 */

const PORT_RANGE = 'must be between 1 and 65535, inclusive';
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function validPort(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}

/** A list member's name: valid by `syntax` and not yet in `seen` (then added to it). */
function checkUniqueName(name: string, path: string, syntax: (s: string) => string[], seen: Set<string>, out: StatusCause[]): void {
  for (const m of syntax(name)) out.push(fieldErrors.invalid(path, name, m));
  if (seen.has(name)) out.push(fieldErrors.duplicate(path, name));
  seen.add(name);
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
        out.push(fieldCause('FieldValueInvalid', 'spec.template.metadata.labels', `Invalid value: ${goMapString(tmeta['labels'])}: \`selector\` does not match template \`labels\``));
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
    else if (name !== '') checkUniqueName(name, `${p}.name`, isDNS1123Label, names, out);
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

const CONFIG_KEY = syntaxRule(253, '[-._a-zA-Z0-9]+', "a valid config key must consist of alphanumeric characters, '-', '_' or '.'", 'key.name', 'KEY_NAME', 'key-name');
export const MAX_CONFIG_SIZE = 1024 * 1024;

export function isConfigMapKey(key: string): string[] {
  const errs = checkSyntax(key, CONFIG_KEY);
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

function validateEndpointSlice(o: JsonObject, out: StatusCause[]): void {
  const at = o['addressType'];
  if (at === undefined || at === '') out.push(fieldErrors.required('addressType'));
  else if (!ADDRESS_TYPES.includes(asString(at))) out.push(fieldErrors.notSupported('addressType', at, ADDRESS_TYPES));
}

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
    else checkUniqueName(vname, `${p}.name`, isDNS1035Label, seen, out);
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

type KindValidator = (o: JsonObject, out: StatusCause[]) => void;

const BUILTIN_VALIDATORS: Readonly<Record<string, KindValidator>> = {
  '/pods': (o, out) => validatePodSpec(o['spec'], 'spec', out),
  'apps/deployments': (o, out) => validateWorkload(o, 'deployment', out),
  'apps/replicasets': (o, out) => validateWorkload(o, 'deployment', out),
  'apps/statefulsets': (o, out) => validateWorkload(o, 'statefulset', out),
  'apps/daemonsets': (o, out) => validateWorkload(o, 'daemonset', out),
  'batch/jobs': validateJob,
  '/services': validateService,
  '/configmaps': validateConfigMap,
  '/secrets': validateSecret,
  'discovery.k8s.io/endpointslices': validateEndpointSlice,
  'scheduling.k8s.io/priorityclasses': (o, out) => {
    if (typeof o['value'] !== 'number' || !Number.isInteger(o['value'])) out.push(fieldErrors.required('value'));
  },
  'apiextensions.k8s.io/customresourcedefinitions': validateCRD,
};

/**
 * The checks Kubernetes enforces on built-in kinds that users actually run into (a deliberate subset of
 * pkg/apis/<group>/validation). Custom resources return [] here; use validateAgainstSchema for them.
 */
export function validateBuiltin(obj: JsonObject, res: ResourceInfo): StatusCause[] {
  if (res.custom) return [];
  const out: StatusCause[] = [];
  BUILTIN_VALIDATORS[`${res.group}/${res.plural}`]?.(obj, out);
  return out;
}
