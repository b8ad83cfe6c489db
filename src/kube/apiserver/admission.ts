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
  const pruned = pruneUnknownFields(o, schema);
  for (const k of Object.keys(o)) if (!(k in pruned)) delete o[k];
  Object.assign(o, pruned);
  const defaulted = applySchemaDefaults(o, schema);
  Object.assign(o, defaulted);
  return validateAgainstSchema(o, schema);
}
