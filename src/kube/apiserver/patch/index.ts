export { applyJsonPatch, parsePointer, patchNotApplicable, MAX_JSON_PATCH_OPERATIONS, PATCH_REJECTED_MESSAGE } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export {
  metaFor,
  fieldOf,
  rootTypeOf,
  listSemantics,
  isAtomicField,
  isAtomicType,
  supportsStrategicMerge,
  type FieldMeta,
  type ListSemantics,
  type ListType,
  type PatchStrategy,
} from './patch-meta.js';
export { applyStrategicMergePatch, strategicMergeUnsupported } from './strategic-merge.js';
export { FieldSet, pathString, type FieldsV1, type FieldPath } from './field-set.js';
export { hasStatusSubresource, trackedView, type TrackOptions } from './field-walk.js';
export {
  recordUpdate,
  fieldSetOf,
  decodeManagedFields,
  encodeManagedFields,
  ManagedOperations,
  MAX_UPDATE_MANAGERS,
  ANCIENT_CHANGES_MANAGER,
  type ManagedEntry,
  type ManagedOperation,
  type RecordUpdateArgs,
} from './managed-fields.js';
export { serverSideApply, LAST_APPLIED_ANNOTATION, BEFORE_FIRST_APPLY_MANAGER, type ServerSideApplyArgs } from './apply.js';
