import { getPath, isJsonArray, isJsonObject, type JsonObject } from '../../base/index.js';
import { goQuote } from './name-syntax.js';
import type { ResourceInfo } from './resources.js';
import { apiErrors } from './status.js';

/*
 * Field selectors with the fields Kubernetes allows per resource, its matching rules and error wording
 * (apimachinery pkg/fields and the per-kind field label conversion funcs).
 */

export interface FieldRequirement {
  readonly field: string;
  readonly operator: '=' | '==' | '!=';
  readonly value: string;
}

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  readonly empty: boolean;
  matches(obj: JsonObject): boolean;
  /** The value of an exact `field=value` (or `==`) requirement, for index fast paths. */
  exactValue(field: string): string | undefined;
  toString(): string;
}

type Getter = (o: JsonObject) => string;

function str(path: readonly string[]): Getter {
  return (o) => {
    const v = getPath(o, path);
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return '';
  };
}
function bool(path: readonly string[]): Getter {
  return (o) => String(getPath(o, path) === true);
}
function int(path: readonly string[]): Getter {
  return (o) => {
    const v = getPath(o, path);
    return String(typeof v === 'number' ? Math.trunc(v) : 0);
  };
}

const META_NAME: Getter = str(['metadata', 'name']);
const META_NAMESPACE: Getter = str(['metadata', 'namespace']);

const podIP: Getter = (o) => {
  const ips = getPath(o, ['status', 'podIPs']);
  if (isJsonArray(ips)) {
    const first = ips[0];
    if (isJsonObject(first) && typeof first['ip'] === 'string') return first['ip'];
  }
  return str(['status', 'podIP'])(o);
};
const eventSource: Getter = (o) => str(['source', 'component'])(o) || str(['reportingController'])(o);

interface FieldRules {
  readonly fields: Readonly<Record<string, Getter>>;
  /** Old names rewritten to current ones (pods: spec.host → spec.nodeName). */
  readonly aliases?: Readonly<Record<string, string>>;
  readonly reject: (field: string) => string;
}

const notSupported = (f: string): string => `field label not supported: ${f}`;
const defaultReject = (f: string): string => `${goQuote(f)} is not a known field selector: only "metadata.name", "metadata.namespace"`;
const META_FIELDS = { 'metadata.name': META_NAME, 'metadata.namespace': META_NAMESPACE } as const;

const INVOLVED_OBJECT_FIELDS = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'] as const;

/** Selectable fields per `<group>/<plural>`, as the conversion funcs and ToSelectableFields of Kubernetes allow. */
const FIELD_RULES: Readonly<Record<string, FieldRules>> = {
  '/pods': {
    fields: {
      ...META_FIELDS,
      'spec.nodeName': str(['spec', 'nodeName']),
      'spec.restartPolicy': str(['spec', 'restartPolicy']),
      'spec.schedulerName': str(['spec', 'schedulerName']),
      'spec.serviceAccountName': str(['spec', 'serviceAccountName']),
      'spec.hostNetwork': bool(['spec', 'hostNetwork']),
      'status.phase': str(['status', 'phase']),
      'status.podIP': podIP,
      'status.podIPs': () => '',
      'status.nominatedNodeName': str(['status', 'nominatedNodeName']),
    },
    aliases: { 'spec.host': 'spec.nodeName' },
    reject: notSupported,
  },
  '/events': {
    fields: {
      ...META_FIELDS,
      ...Object.fromEntries(INVOLVED_OBJECT_FIELDS.map((f) => [`involvedObject.${f}`, str(['involvedObject', f])])),
      reason: str(['reason']),
      reportingComponent: str(['reportingController']),
      source: eventSource,
      type: str(['type']),
    },
    reject: notSupported,
  },
  '/secrets': { fields: { ...META_FIELDS, type: str(['type']) }, reject: notSupported },
  '/services': { fields: { ...META_FIELDS, 'spec.clusterIP': str(['spec', 'clusterIP']), 'spec.type': str(['spec', 'type']) }, reject: notSupported },
  '/namespaces': { fields: { 'metadata.name': META_NAME, 'status.phase': str(['status', 'phase']) }, reject: notSupported },
  '/nodes': { fields: { 'metadata.name': META_NAME, 'spec.unschedulable': bool(['spec', 'unschedulable']) }, reject: notSupported },
  '/replicationcontrollers': { fields: { ...META_FIELDS, 'status.replicas': int(['status', 'replicas']) }, reject: notSupported },
  'apps/replicasets': { fields: { ...META_FIELDS, 'status.replicas': int(['status', 'replicas']) }, reject: notSupported },
  'batch/jobs': { fields: { ...META_FIELDS, 'status.successful': int(['status', 'succeeded']) }, reject: notSupported },
};

function rulesFor(res: ResourceInfo): FieldRules {
  if (res.custom) {
    const fields: Record<string, Getter> = { 'metadata.name': META_NAME };
    if (res.namespaced) fields['metadata.namespace'] = META_NAMESPACE;
    return { fields, reject: notSupported };
  }
  return FIELD_RULES[`${res.group}/${res.plural}`] ?? { fields: META_FIELDS, reject: defaultReject };
}

/** The field names `--field-selector` accepts for a resource. */
export function selectableFields(res: ResourceInfo): string[] {
  return Object.keys(rulesFor(res).fields);
}

/** The value a field selector compares against ('' when the field is missing; booleans as "true"/"false"). */
export function fieldValue(res: ResourceInfo, obj: JsonObject, field: string): string {
  const rules = rulesFor(res);
  const getter = rules.fields[rules.aliases?.[field] ?? field];
  return getter ? getter(obj) : '';
}

function splitTerms(s: string): string[] {
  if (s === '') return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

function splitTerm(term: string): [string, FieldRequirement['operator'], string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

function unescapeValue(s: string): string {
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw apiErrors.badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') throw apiErrors.badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0) ?? 0}`);
    else out += c;
  }
  if (inSlash) throw apiErrors.badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

function escapeValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/**
 * Parses `?fieldSelector=` (`a=b`, `a==b`, `a!=b`, comma-separated, `\,` `\=` `\\` escapes) and checks every
 * field against what Kubernetes allows for the resource. Unsupported field → ApiError BadRequest with
 * Kubernetes' wording (`field label not supported: <f>`, or the default-conversion wording for kinds with
 * only metadata fields).
 */
export function parseFieldSelector(s: string, res: ResourceInfo): FieldSelector {
  const rules = rulesFor(res);
  const reqs: FieldRequirement[] = [];
  for (const part of splitTerms(s).sort()) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) throw apiErrors.badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const [lhs, operator, rhs] = t;
    const value = unescapeValue(rhs);
    const field = rules.aliases?.[lhs] ?? lhs;
    if (!Object.prototype.hasOwnProperty.call(rules.fields, field)) throw apiErrors.badRequest(rules.reject(lhs));
    reqs.push({ field, operator, value });
  }
  const getters = reqs.map((r) => ({ r, get: rules.fields[r.field] ?? (() => '') }));
  return {
    requirements: reqs,
    empty: reqs.length === 0,
    matches: (obj) => getters.every(({ r, get }) => (r.operator === '!=' ? get(obj) !== r.value : get(obj) === r.value)),
    exactValue: (field) => reqs.find((r) => r.field === field && r.operator !== '!=')?.value,
    toString: () => reqs.map((r) => `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeValue(r.value)}`).join(','),
  };
}
