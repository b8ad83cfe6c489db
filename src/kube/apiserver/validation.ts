/*
 * Object validation with Kubernetes' rules and its field.Error wording. This module only re-exports:
 * meta-validation.ts (object metadata, names, field.Error builders), builtin-validation.ts (the checks users hit
 * on built-in kinds) and schema-validation.ts (CRD openAPIV3Schema validation, pruning and defaulting).
 */

export {
  TOTAL_ANNOTATION_SIZE_LIMIT,
  ensureNamespace,
  fieldErrors,
  formatBadValue,
  generateName,
  isValidPathSegmentName,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  nameIsPathSegment,
  nameValidatorFor,
  validateAnnotations,
  validateLabels,
  validateObjectMeta,
  type NameValidator,
  type ObjectMetaOptions,
} from './meta-validation.js';
export { isDNS1035Label } from './name-syntax.js';
export { MAX_CONFIG_SIZE, base64ErrorOffset, isConfigMapKey, validateBuiltin } from './builtin-validation.js';
export { applyDefaults, pruneUnknownFields, validateAgainstSchema } from './schema-validation.js';
