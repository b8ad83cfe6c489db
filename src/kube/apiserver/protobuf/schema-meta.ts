import { KEEP, bool, i64, list, map, message, msg, msgs, special, str, type MessageTable } from './schema-dsl.js';

/** k8s.io/apimachinery/pkg/apis/meta/v1 (generated.proto). */
export const META_MESSAGES: MessageTable = {
  ObjectMeta: message({
    1: str('name'),
    2: str('generateName'),
    3: str('namespace'),
    4: str('selfLink'),
    5: str('uid'),
    6: str('resourceVersion'),
    7: i64('generation'),
    8: special('creationTimestamp', 'Time'),
    9: special('deletionTimestamp', 'Time'),
    10: i64('deletionGracePeriodSeconds', KEEP),
    11: map('labels', 'string'),
    12: map('annotations', 'string'),
    13: msgs('ownerReferences', 'OwnerReference'),
    14: list('finalizers', 'string'),
    17: msgs('managedFields', 'ManagedFieldsEntry'),
  }),
  OwnerReference: message({
    5: str('apiVersion', KEEP),
    1: str('kind', KEEP),
    3: str('name', KEEP),
    4: str('uid', KEEP),
    6: bool('controller', KEEP),
    7: bool('blockOwnerDeletion', KEEP),
  }),
  ManagedFieldsEntry: message({
    1: str('manager'),
    2: str('operation'),
    3: str('apiVersion'),
    4: special('time', 'Time'),
    6: str('fieldsType'),
    7: special('fieldsV1', 'FieldsV1'),
    8: str('subresource'),
  }),
  LabelSelector: message({
    1: map('matchLabels', 'string'),
    2: msgs('matchExpressions', 'LabelSelectorRequirement'),
  }),
  LabelSelectorRequirement: message({
    1: str('key', KEEP),
    2: str('operator', KEEP),
    3: list('values', 'string'),
  }),
};

/** The field holding an object's metadata, shared by every top-level kind. */
export const METADATA = msg('metadata', 'ObjectMeta');
