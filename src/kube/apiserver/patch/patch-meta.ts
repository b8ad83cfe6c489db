import type { JsonPrimitive } from '../../../base/index.js';
import { BUILTIN_RESOURCES } from '../resources.js';

/**
 * Merge metadata of the built-in types, transcribed from the k8s.io/api struct tags and markers:
 * `patchStrategy` / `patchMergeKey` drive strategic merge patch; `+listType` / `+listMapKey` /
 * `+structType=atomic` / `+mapType=atomic` drive server-side apply. Only fields that differ from the
 * defaults are listed: an unlisted map merges key by key, an unlisted list is atomic (replaced whole).
 *
 * A walker starts at `rootTypeOf(kind)` and steps with `fieldOf(type, name)`; list elements are not
 * path steps (the element type is the list field's `type`). `metaFor(kind, path)` does the whole walk.
 */

export type PatchStrategy = 'merge' | 'replace' | 'retainKeys';
export type ListType = 'atomic' | 'set' | 'map';

export interface FieldMeta {
  /** The `patchStrategy` tag, split on ','. */
  readonly strategy?: readonly PatchStrategy[];
  /** The `patchMergeKey` tag. */
  readonly mergeKey?: string;
  /** `+listType`, when it is not what the patch tags imply (merge+key → map, merge → set). */
  readonly listType?: ListType;
  /** `+listMapKey` values, when more than the merge key. */
  readonly listMapKeys?: readonly string[];
  /** Schema defaults of list-map key fields, used when an element omits one. */
  readonly keyDefaults?: Readonly<Record<string, JsonPrimitive>>;
  /** `+mapType=atomic` / `+structType=atomic` on the field itself. */
  readonly atomic?: true;
  /** Go always serializes the field (non-pointer struct or list without omitempty). */
  readonly always?: true;
  /** The value's type in this table (for a list: the element type). */
  readonly type?: string;
}

interface TypeDef {
  /** `+structType=atomic`: values of this type are replaced and owned whole. */
  readonly atomic?: true;
  readonly fields?: Readonly<Record<string, FieldMeta>>;
}

/** How server-side apply treats a list. */
export type ListSemantics =
  | { readonly kind: 'atomic' }
  | { readonly kind: 'set' }
  | { readonly kind: 'map'; readonly keys: readonly string[]; readonly defaults: Readonly<Record<string, JsonPrimitive>> };

const keyed = (mergeKey: string, type?: string, extra: Partial<FieldMeta> = {}): FieldMeta => ({
  strategy: ['merge'],
  mergeKey,
  ...(type === undefined ? {} : { type }),
  ...extra,
});
const primitiveSet: FieldMeta = { strategy: ['merge'] };
const atomicList: FieldMeta = { listType: 'atomic' };
const atomicValue: FieldMeta = { atomic: true };
const typed = (type: string, extra: Partial<FieldMeta> = {}): FieldMeta => ({ type, ...extra });
const always = (type: string, extra: Partial<FieldMeta> = {}): FieldMeta => ({ type, always: true, ...extra });
const conditions = keyed('type');
const TCP = { protocol: 'TCP' } as const;

/** Root type of an object: metadata plus the given spec/status types. */
function root(fields: Record<string, FieldMeta> = {}, spec?: string, status?: string): TypeDef {
  return {
    fields: {
      metadata: always('ObjectMeta'),
      ...(spec === undefined ? {} : { spec: always(spec) }),
      ...(status === undefined ? {} : { status: always(status) }),
      ...fields,
    },
  };
}

const TYPES: Readonly<Record<string, TypeDef>> = {
  // ---- meta/v1
  ObjectMeta: {
    fields: {
      ownerReferences: keyed('uid', 'OwnerReference'),
      finalizers: primitiveSet,
      managedFields: atomicList,
    },
  },
  OwnerReference: { atomic: true },
  LabelSelector: { atomic: true },
  ObjectReference: { atomic: true },
  LocalObjectReference: { atomic: true },

  // ---- core/v1 pod
  PodTemplateSpec: { fields: { metadata: always('ObjectMeta'), spec: always('PodSpec') } },
  PodSpec: {
    fields: {
      volumes: keyed('name', 'Volume', { strategy: ['merge', 'retainKeys'] }),
      initContainers: keyed('name', 'Container'),
      containers: keyed('name', 'Container', { always: true }),
      ephemeralContainers: keyed('name', 'Container'),
      imagePullSecrets: keyed('name', 'LocalObjectReference'),
      hostAliases: keyed('ip'),
      tolerations: atomicList,
      readinessGates: atomicList,
      nodeSelector: atomicValue,
      affinity: typed('Affinity'),
      topologySpreadConstraints: keyed('topologyKey', 'TopologySpreadConstraint', {
        listMapKeys: ['topologyKey', 'whenUnsatisfiable'],
      }),
      schedulingGates: keyed('name'),
      resourceClaims: keyed('name', undefined, { strategy: ['merge', 'retainKeys'] }),
    },
  },
  Container: {
    fields: {
      ports: keyed('containerPort', undefined, { listMapKeys: ['containerPort', 'protocol'], keyDefaults: TCP }),
      env: keyed('name', 'EnvVar'),
      envFrom: atomicList,
      volumeMounts: keyed('mountPath'),
      volumeDevices: keyed('devicePath'),
      resources: always('ResourceRequirements'),
      resizePolicy: atomicList,
    },
  },
  EnvVar: { fields: { valueFrom: typed('EnvVarSource') } },
  EnvVarSource: {
    fields: {
      configMapKeyRef: atomicValue,
      secretKeyRef: atomicValue,
      fieldRef: atomicValue,
      resourceFieldRef: atomicValue,
    },
  },
  ResourceRequirements: { fields: { claims: { listType: 'map', listMapKeys: ['name'] } } },
  Volume: {},
  Affinity: { fields: { nodeAffinity: typed('NodeAffinity') } },
  NodeAffinity: { fields: { requiredDuringSchedulingIgnoredDuringExecution: atomicValue } },
  TopologySpreadConstraint: { fields: { labelSelector: typed('LabelSelector') } },
  PodStatus: {
    fields: {
      conditions,
      podIPs: keyed('ip'),
      hostIPs: keyed('ip'),
      containerStatuses: atomicList,
      initContainerStatuses: atomicList,
      ephemeralContainerStatuses: atomicList,
      resourceClaimStatuses: keyed('name', undefined, { strategy: ['merge', 'retainKeys'] }),
    },
  },

  // ---- apps/v1, batch/v1
  DeploymentSpec: {
    fields: {
      selector: typed('LabelSelector'),
      template: always('PodTemplateSpec'),
      strategy: { strategy: ['retainKeys'], always: true },
    },
  },
  ReplicaSetSpec: { fields: { selector: typed('LabelSelector'), template: always('PodTemplateSpec') } },
  DaemonSetSpec: {
    fields: { selector: typed('LabelSelector'), template: always('PodTemplateSpec'), updateStrategy: { always: true } },
  },
  StatefulSetSpec: {
    fields: {
      selector: typed('LabelSelector'),
      template: always('PodTemplateSpec'),
      volumeClaimTemplates: atomicList,
      updateStrategy: { always: true },
    },
  },
  JobSpec: { fields: { selector: typed('LabelSelector'), template: always('PodTemplateSpec') } },
  WorkloadStatus: { fields: { conditions } },
  JobStatus: {
    fields: { conditions: keyed('type', undefined, { listType: 'atomic' }), uncountedTerminatedPods: typed('UncountedTerminatedPods') },
  },
  UncountedTerminatedPods: { fields: { succeeded: { listType: 'set' }, failed: { listType: 'set' } } },

  // ---- core/v1 others
  ServiceSpec: {
    fields: {
      ports: keyed('port', undefined, { listMapKeys: ['port', 'protocol'], keyDefaults: TCP }),
      selector: atomicValue,
      clusterIPs: atomicList,
      externalIPs: atomicList,
      ipFamilies: atomicList,
      loadBalancerSourceRanges: atomicList,
    },
  },
  ServiceStatus: { fields: { conditions } },
  NodeSpec: { fields: { podCIDRs: primitiveSet, taints: atomicList } },
  NodeStatus: { fields: { conditions, addresses: keyed('type') } },
  NamespaceStatus: { fields: { conditions } },

  // ---- roots (one per kind)
  Pod: root({}, 'PodSpec', 'PodStatus'),
  Deployment: root({}, 'DeploymentSpec', 'WorkloadStatus'),
  ReplicaSet: root({}, 'ReplicaSetSpec', 'WorkloadStatus'),
  DaemonSet: root({}, 'DaemonSetSpec', 'WorkloadStatus'),
  StatefulSet: root({}, 'StatefulSetSpec', 'WorkloadStatus'),
  Job: root({}, 'JobSpec', 'JobStatus'),
  Service: root({}, 'ServiceSpec', 'ServiceStatus'),
  Node: root({}, 'NodeSpec', 'NodeStatus'),
  Namespace: root({}, 'NamespaceSpec', 'NamespaceStatus'),
  NamespaceSpec: { fields: { finalizers: atomicList } },
  ConfigMap: root(),
  Secret: root(),
  Endpoints: root({ subsets: atomicList }),
  ServiceAccount: root({ secrets: keyed('name', 'ObjectReference'), imagePullSecrets: atomicList }),
  Event: root({ involvedObject: always('ObjectReference'), related: typed('ObjectReference') }),
  Lease: root({}, 'LeaseSpec'),
  LeaseSpec: {},
  PriorityClass: root(),
  EndpointSlice: root({ endpoints: atomicList, ports: atomicList }),
  ControllerRevision: root(),
  CustomResourceDefinition: root({}, 'CRDSpec', 'CRDStatus'),
  CRDSpec: { fields: { versions: atomicList } },
  CRDStatus: { fields: { conditions } },
  Scale: root({}, 'ScaleSpec', 'ScaleStatus'),
  ScaleSpec: {},
  ScaleStatus: {},
};

/** Kinds with Go types on the server: strategic merge patch works for them. */
const BUILTIN_KINDS: ReadonlySet<string> = new Set([
  ...BUILTIN_RESOURCES.filter((r) => r.custom === undefined).map((r) => r.kind),
  'Scale',
]);

/** False for custom resources: Kubernetes answers a strategic merge patch on them with 415. */
export function supportsStrategicMerge(kind: string): boolean {
  return BUILTIN_KINDS.has(kind);
}

/** The root type name of a kind's objects, or undefined for kinds without metadata here. */
export function rootTypeOf(kind: string): string | undefined {
  return Object.hasOwn(TYPES, kind) && TYPES[kind]?.fields?.['metadata'] !== undefined ? kind : undefined;
}

/** Metadata of `field` inside a value of `type` (undefined: default behaviour). */
export function fieldOf(type: string | undefined, field: string): FieldMeta | undefined {
  if (type === undefined || !Object.hasOwn(TYPES, type)) return undefined;
  const fields = TYPES[type]?.fields;
  return fields !== undefined && Object.hasOwn(fields, field) ? fields[field] : undefined;
}

/** The metadata at `path` (field names from the object root; list elements are not steps). */
export function metaFor(kind: string, path: readonly string[]): FieldMeta | undefined {
  let type = rootTypeOf(kind);
  let meta: FieldMeta | undefined;
  for (const segment of path) {
    meta = fieldOf(type, segment);
    type = meta?.type;
  }
  return meta;
}

/** True when the value (a list element when `meta` is a list field) is replaced and owned whole. */
export function isAtomicType(type: string | undefined): boolean {
  return type !== undefined && Object.hasOwn(TYPES, type) && TYPES[type]?.atomic === true;
}

/** True when a non-list value at this field is atomic (`+mapType=atomic` or an atomic struct type). */
export function isAtomicField(meta: FieldMeta | undefined): boolean {
  return meta !== undefined && (meta.atomic === true || isAtomicType(meta.type));
}

/** The server-side apply behaviour of a list field, derived the way kube-openapi derives it. */
export function listSemantics(meta: FieldMeta | undefined): ListSemantics {
  const listType = meta?.listType ?? (meta?.mergeKey !== undefined ? 'map' : meta?.strategy?.includes('merge') ? 'set' : 'atomic');
  if (listType === 'atomic') return { kind: 'atomic' };
  if (listType === 'set') return { kind: 'set' };
  const keys = meta?.listMapKeys ?? (meta?.mergeKey === undefined ? [] : [meta.mergeKey]);
  return keys.length === 0 ? { kind: 'atomic' } : { kind: 'map', keys, defaults: meta?.keyDefaults ?? {} };
}

/** Every type name the table references; for the table's own consistency test. */
export function referencedTypes(): string[] {
  const out = new Set<string>();
  for (const def of Object.values(TYPES)) {
    for (const meta of Object.values(def.fields ?? {})) if (meta.type !== undefined) out.add(meta.type);
  }
  return [...out];
}

export function hasType(type: string): boolean {
  return Object.hasOwn(TYPES, type);
}
