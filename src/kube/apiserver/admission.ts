import type { JsonObject } from '../../base/index.js';
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
  return causes;
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
