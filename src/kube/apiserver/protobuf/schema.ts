import { KEEP, ZERO_ONLY, bool, i32, i64, list, map, message, msg, msgs, special, str, type MessageSpec, type MessageTable } from './schema-dsl.js';
import { META_MESSAGES, METADATA } from './schema-meta.js';
import { POD_MESSAGES } from './schema-pod.js';

export type { FieldSpec, FieldType, MessageSpec, MessageTable } from './schema-dsl.js';

/**
 * Table-driven description of the Kubernetes protobuf messages this server decodes: the kinds that
 * `kubectl create <generator>` sends as protobuf (typed clients), and everything they contain.
 * Field numbers/types: k8s.io/api {core,apps,batch,scheduling}/v1 and k8s.io/apimachinery
 * generated.proto; JSON names and omitempty behaviour: the Go struct tags.
 */

/** core/v1 top-level kinds other than the pod template (see schema-pod.ts). */
const CORE_MESSAGES: MessageTable = {
  Namespace: message({ 1: METADATA, 2: msg('spec', 'NamespaceSpec'), 3: msg('status', 'NamespaceStatus') }),
  NamespaceSpec: message({ 1: list('finalizers', 'string') }),
  NamespaceStatus: ZERO_ONLY,
  ConfigMap: message({ 1: METADATA, 2: map('data', 'string'), 3: map('binaryData', 'bytes'), 4: bool('immutable', KEEP) }),
  Secret: message({
    1: METADATA,
    2: map('data', 'bytes'),
    3: str('type'),
    4: map('stringData', 'string'),
    5: bool('immutable', KEEP),
  }),
  ServiceAccount: message({
    1: METADATA,
    2: msgs('secrets', 'ObjectReference'),
    3: msgs('imagePullSecrets', 'LocalObjectReference'),
    4: bool('automountServiceAccountToken', KEEP),
  }),
  ObjectReference: message({
    1: str('kind'),
    2: str('namespace'),
    3: str('name'),
    4: str('uid'),
    5: str('apiVersion'),
    6: str('resourceVersion'),
    7: str('fieldPath'),
  }),
  Service: message({ 1: METADATA, 2: msg('spec', 'ServiceSpec'), 3: msg('status', 'ServiceStatus') }),
  ServiceSpec: message({
    1: msgs('ports', 'ServicePort'),
    2: map('selector', 'string'),
    3: str('clusterIP'),
    18: list('clusterIPs', 'string'),
    4: str('type'),
    5: list('externalIPs', 'string'),
    7: str('sessionAffinity'),
    8: str('loadBalancerIP'),
    9: list('loadBalancerSourceRanges', 'string'),
    10: str('externalName'),
    11: str('externalTrafficPolicy'),
    12: i32('healthCheckNodePort'),
    13: bool('publishNotReadyAddresses'),
    14: msg('sessionAffinityConfig', 'SessionAffinityConfig'),
    19: list('ipFamilies', 'string'),
    17: str('ipFamilyPolicy', KEEP),
    20: bool('allocateLoadBalancerNodePorts', KEEP),
    21: str('loadBalancerClass', KEEP),
    22: str('internalTrafficPolicy', KEEP),
  }),
  ServicePort: message({
    1: str('name'),
    2: str('protocol'),
    6: str('appProtocol', KEEP),
    3: i32('port', KEEP),
    4: special('targetPort', 'IntOrString'),
    5: i32('nodePort'),
  }),
  SessionAffinityConfig: message({ 1: msg('clientIP', 'ClientIPConfig') }),
  ClientIPConfig: message({ 1: i32('timeoutSeconds', KEEP) }),
  ServiceStatus: ZERO_ONLY,
};

const APPS_MESSAGES: MessageTable = {
  Deployment: message({ 1: METADATA, 2: msg('spec', 'DeploymentSpec'), 3: msg('status', 'DeploymentStatus') }),
  DeploymentSpec: message({
    1: i32('replicas', KEEP),
    2: msg('selector', 'LabelSelector'),
    3: msg('template', 'PodTemplateSpec'),
    4: msg('strategy', 'DeploymentStrategy'),
    5: i32('minReadySeconds'),
    6: i32('revisionHistoryLimit', KEEP),
    7: bool('paused'),
    9: i32('progressDeadlineSeconds', KEEP),
  }),
  DeploymentStrategy: message({ 1: str('type'), 2: msg('rollingUpdate', 'RollingUpdateDeployment') }),
  RollingUpdateDeployment: message({ 1: special('maxUnavailable', 'IntOrString'), 2: special('maxSurge', 'IntOrString') }),
  DeploymentStatus: ZERO_ONLY,
};

const BATCH_MESSAGES: MessageTable = {
  Job: message({ 1: METADATA, 2: msg('spec', 'JobSpec'), 3: msg('status', 'JobStatus') }),
  JobSpec: message({
    1: i32('parallelism', KEEP),
    2: i32('completions', KEEP),
    3: i64('activeDeadlineSeconds', KEEP),
    7: i32('backoffLimit', KEEP),
    12: i32('backoffLimitPerIndex', KEEP),
    13: i32('maxFailedIndexes', KEEP),
    4: msg('selector', 'LabelSelector'),
    5: bool('manualSelector', KEEP),
    6: msg('template', 'PodTemplateSpec'),
    8: i32('ttlSecondsAfterFinished', KEEP),
    9: str('completionMode', KEEP),
    10: bool('suspend', KEEP),
    14: str('podReplacementPolicy', KEEP),
    15: str('managedBy', KEEP),
  }),
  JobStatus: ZERO_ONLY,
};

const SCHEDULING_MESSAGES: MessageTable = {
  PriorityClass: message({
    1: METADATA,
    2: i32('value', KEEP),
    3: bool('globalDefault'),
    4: str('description'),
    5: str('preemptionPolicy', KEEP),
  }),
};

/** Every message by name; `message:<Name>` field types refer to these keys. */
export const MESSAGES: MessageTable = {
  ...META_MESSAGES,
  ...POD_MESSAGES,
  ...CORE_MESSAGES,
  ...APPS_MESSAGES,
  ...BATCH_MESSAGES,
  ...SCHEDULING_MESSAGES,
};

/** `apiVersion kind` → top-level message name, for the kinds accepted as protobuf. */
export const PROTOBUF_KINDS: Readonly<Record<string, string>> = {
  'v1 Namespace': 'Namespace',
  'v1 ConfigMap': 'ConfigMap',
  'v1 Secret': 'Secret',
  'v1 ServiceAccount': 'ServiceAccount',
  'v1 Service': 'Service',
  'apps/v1 Deployment': 'Deployment',
  'batch/v1 Job': 'Job',
  'scheduling.k8s.io/v1 PriorityClass': 'PriorityClass',
};

export function messageSpec(name: string): MessageSpec | undefined {
  return Object.hasOwn(MESSAGES, name) ? MESSAGES[name] : undefined;
}

export function kindMessage(apiVersion: string, kind: string): string | undefined {
  const key = `${apiVersion} ${kind}`;
  return Object.hasOwn(PROTOBUF_KINDS, key) ? PROTOBUF_KINDS[key] : undefined;
}
