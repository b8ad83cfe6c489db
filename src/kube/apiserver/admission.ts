import { isJsonObject, jsonEqual, type JsonObject } from '../../base/index.js';
import { BUILTIN_RESOURCES } from './resources.js';
import type { ResourceRegistry } from './registry.js';
import type { ResourceInfo } from './resources.js';
import type { StatusCause } from './status.js';
import { applyDefaults as applySchemaDefaults, pruneUnknownFields, validateAgainstSchema, validateBuiltin, validateObjectMeta } from './validation.js';

/** Validation run on every create and update, before anything is stored. */
export function validateObject(
  _registry: ResourceRegistry,
  res: ResourceInfo,
  o: JsonObject,
  opts: { isCreate: boolean; old?: Readonly<JsonObject> },
): StatusCause[] {
  const meta = o['metadata'] as JsonObject | undefined;
  const namespace = typeof meta?.['namespace'] === 'string' ? meta['namespace'] : undefined;
  const causes = validateObjectMeta(o, res, { isCreate: opts.isCreate, ...(namespace !== undefined ? { namespace } : {}) });
  if (res.custom === undefined) causes.push(...validateBuiltin(o, res));
  const finalizers = meta?.['finalizers'];
  if (finalizers !== undefined && finalizers !== null && !(Array.isArray(finalizers) && finalizers.every((f) => typeof f === 'string' && f !== ''))) {
    causes.push({ field: 'metadata.finalizers', reason: 'FieldValueInvalid', message: 'Invalid value: must be a list of non-empty strings' });
  }
  if (res.group === 'apiextensions.k8s.io' && res.plural === 'customresourcedefinitions') causes.push(...crdRules(o, opts.old));
  if (opts.old !== undefined && res.group === '' && res.plural === 'pods') causes.push(...podUpdateRules(o, opts.old));
  if (opts.old !== undefined && res.group === '' && res.plural === 'services') causes.push(...serviceUpdateRules(o, opts.old));
  return causes;
}

const spec = (o: Readonly<JsonObject>): JsonObject => (isJsonObject(o['spec']) ? o['spec'] : {});

function immutable(field: string): StatusCause {
  return { field, reason: 'FieldValueInvalid', message: 'Invalid value: field is immutable' };
}

/** A CRD may not take over a built-in resource, and its group, plural and scope never change. */
function crdRules(o: Readonly<JsonObject>, old: Readonly<JsonObject> | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  const s = spec(o);
  const names = isJsonObject(s['names']) ? s['names'] : {};
  if (BUILTIN_RESOURCES.some((b) => b.group === s['group'] && b.plural === names['plural'])) {
    causes.push({ field: 'spec.names.plural', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(names['plural'])}: is served by the API server itself in group ${JSON.stringify(s['group'])}` });
  }
  if (old !== undefined) {
    const os = spec(old);
    const oldNames = isJsonObject(os['names']) ? os['names'] : {};
    if (os['group'] !== s['group']) causes.push(immutable('spec.group'));
    if (oldNames['plural'] !== names['plural']) causes.push(immutable('spec.names.plural'));
    if ((os['scope'] ?? 'Namespaced') !== (s['scope'] ?? 'Namespaced')) causes.push(immutable('spec.scope'));
  }
  return causes;
}

/** A pod's spec is fixed once created, except the fields Kubernetes lets change. */
function podUpdateRules(o: Readonly<JsonObject>, old: Readonly<JsonObject>): StatusCause[] {
  const a = spec(old);
  const b = spec(o);
  const causes: StatusCause[] = [];
  if (typeof a['nodeName'] === 'string' && a['nodeName'] !== '' && a['nodeName'] !== b['nodeName']) causes.push(immutable('spec.nodeName'));
  // containers' images, activeDeadlineSeconds and added tolerations may change; nothing else
  const strip = (s: JsonObject): JsonObject => {
    const out: JsonObject = { ...s };
    for (const f of ['activeDeadlineSeconds', 'tolerations', 'terminationGracePeriodSeconds', 'nodeName']) delete out[f];
    for (const f of ['containers', 'initContainers']) {
      const list = out[f];
      if (Array.isArray(list)) out[f] = list.map((c) => (isJsonObject(c) ? { ...c, image: null } : c));
    }
    return out;
  };
  if (!jsonEqual(strip(a), strip(b))) {
    causes.push({ field: 'spec', reason: 'FieldValueForbidden', message: 'Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations) or `spec.terminationGracePeriodSeconds`' });
  }
  return causes;
}

/** A Service keeps its cluster IP: an update that omits it keeps the old one; changing it is invalid. */
function serviceUpdateRules(o: JsonObject, old: Readonly<JsonObject>): StatusCause[] {
  const a = spec(old);
  const b = isJsonObject(o['spec']) ? o['spec'] : undefined;
  if (b === undefined || typeof a['clusterIP'] !== 'string' || a['clusterIP'] === '') return [];
  if (b['clusterIP'] === undefined || b['clusterIP'] === '' || b['clusterIP'] === null) {
    b['clusterIP'] = a['clusterIP'];
    if (a['clusterIPs'] !== undefined) b['clusterIPs'] = a['clusterIPs'];
    return [];
  }
  return b['clusterIP'] === a['clusterIP'] ? [] : [immutable('spec.clusterIP')];
}

/**
 * Custom resources: structural pruning and defaulting from the CRD's schema, then validation
 * against it. Mutates `o` (pruning and defaults), as kube-apiserver does before storing.
 */
export function validateCustom(res: ResourceInfo, o: JsonObject, _fieldValidation: 'Strict' | 'Warn' | 'Ignore'): StatusCause[] {
  const schema = res.custom?.schema;
  if (schema === undefined) return [];
  // the caller holds references into `o.metadata`: replace every other top-level field, keep metadata's identity
  replaceExceptMetadata(o, pruneUnknownFields(o, schema));
  replaceExceptMetadata(o, applySchemaDefaults(o, schema));
  return validateAgainstSchema(o, schema);
}

function replaceExceptMetadata(target: JsonObject, source: JsonObject): void {
  for (const k of Object.keys(target)) if (k !== 'metadata' && !(k in source)) delete target[k];
  for (const [k, v] of Object.entries(source)) if (k !== 'metadata') target[k] = v;
}
