/**
 * The Kubernetes object types every other layer uses, re-exported from `@kubernetes/client-node` as
 * TYPES ONLY (this file never loads the package at run time).
 *
 * client-node's model classes describe objects after its own `ObjectSerializer` has run: times are
 * `Date` objects and a few free-form fields are `any`. This client keeps the JSON raw (no
 * serializer, for speed), so the types here are the models mapped through `Wire<T>`: every `Date`
 * becomes the RFC 3339 string the server sent, every `any` becomes `unknown`, and everything else
 * (property names, optionality, nesting) is exactly the model's. The model property names are the
 * JSON names for every type here except `V1ListMeta._continue` (JSON `continue`), which is
 * corrected below; the other renames in client-node (`_default`, `_enum`, `$ref`, ...) are in types
 * this file does not export.
 */
import type * as k8s from '@kubernetes/client-node';

/** A client-node model as it travels in JSON: `Date` → RFC 3339 string, `any` → `unknown`. */
export type Wire<T> = 0 extends 1 & T
  ? unknown
  : T extends Date
    ? string
    : T extends readonly (infer U)[]
      ? Wire<U>[]
      : T extends object
        ? { [K in keyof T]: Wire<T[K]> }
        : T;

export type V1ObjectMeta = Wire<k8s.V1ObjectMeta>;
/** client-node names `continue` `_continue`; this is the JSON shape. */
export type V1ListMeta = Omit<Wire<k8s.V1ListMeta>, '_continue'> & { continue?: string };
export type V1OwnerReference = Wire<k8s.V1OwnerReference>;
export type V1ManagedFieldsEntry = Wire<k8s.V1ManagedFieldsEntry>;
export type V1ObjectReference = Wire<k8s.V1ObjectReference>;
export type V1LabelSelector = Wire<k8s.V1LabelSelector>;
export type V1LabelSelectorRequirement = Wire<k8s.V1LabelSelectorRequirement>;
export type V1Status = Wire<k8s.V1Status>;
export type V1StatusDetails = Wire<k8s.V1StatusDetails>;
export type V1StatusCause = Wire<k8s.V1StatusCause>;
export type V1DeleteOptions = Wire<k8s.V1DeleteOptions>;
export type V1Preconditions = Wire<k8s.V1Preconditions>;

// core/v1: pods
export type V1Pod = Wire<k8s.V1Pod>;
export type V1PodSpec = Wire<k8s.V1PodSpec>;
export type V1PodStatus = Wire<k8s.V1PodStatus>;
export type V1PodCondition = Wire<k8s.V1PodCondition>;
export type V1PodIP = Wire<k8s.V1PodIP>;
export type V1HostIP = Wire<k8s.V1HostIP>;
export type V1PodTemplateSpec = Wire<k8s.V1PodTemplateSpec>;
export type V1Container = Wire<k8s.V1Container>;
export type V1ContainerPort = Wire<k8s.V1ContainerPort>;
export type V1ContainerStatus = Wire<k8s.V1ContainerStatus>;
export type V1ContainerState = Wire<k8s.V1ContainerState>;
export type V1EnvVar = Wire<k8s.V1EnvVar>;
export type V1Volume = Wire<k8s.V1Volume>;
export type V1ResourceRequirements = Wire<k8s.V1ResourceRequirements>;
export type V1Toleration = Wire<k8s.V1Toleration>;
export type V1Affinity = Wire<k8s.V1Affinity>;
export type V1NodeAffinity = Wire<k8s.V1NodeAffinity>;
export type V1NodeSelector = Wire<k8s.V1NodeSelector>;
export type V1NodeSelectorTerm = Wire<k8s.V1NodeSelectorTerm>;
export type V1NodeSelectorRequirement = Wire<k8s.V1NodeSelectorRequirement>;
export type V1PreferredSchedulingTerm = Wire<k8s.V1PreferredSchedulingTerm>;
export type V1PodAffinity = Wire<k8s.V1PodAffinity>;
export type V1PodAntiAffinity = Wire<k8s.V1PodAntiAffinity>;
export type V1PodAffinityTerm = Wire<k8s.V1PodAffinityTerm>;
export type V1WeightedPodAffinityTerm = Wire<k8s.V1WeightedPodAffinityTerm>;
export type V1TopologySpreadConstraint = Wire<k8s.V1TopologySpreadConstraint>;
export type V1Binding = Wire<k8s.V1Binding>;
export type V1Eviction = Wire<k8s.V1Eviction>;

// core/v1: nodes and the rest
export type V1Node = Wire<k8s.V1Node>;
export type V1NodeSpec = Wire<k8s.V1NodeSpec>;
export type V1NodeStatus = Wire<k8s.V1NodeStatus>;
export type V1NodeCondition = Wire<k8s.V1NodeCondition>;
export type V1NodeAddress = Wire<k8s.V1NodeAddress>;
export type V1NodeSystemInfo = Wire<k8s.V1NodeSystemInfo>;
export type V1ContainerImage = Wire<k8s.V1ContainerImage>;
export type V1Taint = Wire<k8s.V1Taint>;
export type V1Namespace = Wire<k8s.V1Namespace>;
export type V1ConfigMap = Wire<k8s.V1ConfigMap>;
export type V1Secret = Wire<k8s.V1Secret>;
export type V1ServiceAccount = Wire<k8s.V1ServiceAccount>;
export type V1Service = Wire<k8s.V1Service>;
export type V1ServiceSpec = Wire<k8s.V1ServiceSpec>;
export type V1ServicePort = Wire<k8s.V1ServicePort>;
export type V1Endpoints = Wire<k8s.V1Endpoints>;
export type V1EndpointSubset = Wire<k8s.V1EndpointSubset>;
export type V1EndpointAddress = Wire<k8s.V1EndpointAddress>;
export type V1EndpointPort = Wire<k8s.CoreV1EndpointPort>;
/** core/v1 Event (client-node calls it `CoreV1Event`). */
export type V1Event = Wire<k8s.CoreV1Event>;
export type V1EventSource = Wire<k8s.V1EventSource>;

// discovery.k8s.io/v1
export type V1EndpointSlice = Wire<k8s.V1EndpointSlice>;
export type V1Endpoint = Wire<k8s.V1Endpoint>;
export type V1EndpointConditions = Wire<k8s.V1EndpointConditions>;
export type DiscoveryV1EndpointPort = Wire<k8s.DiscoveryV1EndpointPort>;

// coordination.k8s.io/v1
export type V1Lease = Wire<k8s.V1Lease>;
export type V1LeaseSpec = Wire<k8s.V1LeaseSpec>;

// apps/v1
export type V1Deployment = Wire<k8s.V1Deployment>;
export type V1DeploymentSpec = Wire<k8s.V1DeploymentSpec>;
export type V1DeploymentStatus = Wire<k8s.V1DeploymentStatus>;
export type V1DeploymentCondition = Wire<k8s.V1DeploymentCondition>;
export type V1DeploymentStrategy = Wire<k8s.V1DeploymentStrategy>;
export type V1RollingUpdateDeployment = Wire<k8s.V1RollingUpdateDeployment>;
export type V1ReplicaSet = Wire<k8s.V1ReplicaSet>;
export type V1ReplicaSetSpec = Wire<k8s.V1ReplicaSetSpec>;
export type V1ReplicaSetStatus = Wire<k8s.V1ReplicaSetStatus>;
export type V1DaemonSet = Wire<k8s.V1DaemonSet>;
export type V1DaemonSetSpec = Wire<k8s.V1DaemonSetSpec>;
export type V1DaemonSetStatus = Wire<k8s.V1DaemonSetStatus>;
export type V1DaemonSetUpdateStrategy = Wire<k8s.V1DaemonSetUpdateStrategy>;
export type V1RollingUpdateDaemonSet = Wire<k8s.V1RollingUpdateDaemonSet>;
export type V1StatefulSet = Wire<k8s.V1StatefulSet>;
export type V1StatefulSetSpec = Wire<k8s.V1StatefulSetSpec>;
export type V1StatefulSetStatus = Wire<k8s.V1StatefulSetStatus>;
export type V1StatefulSetUpdateStrategy = Wire<k8s.V1StatefulSetUpdateStrategy>;
export type V1ControllerRevision = Wire<k8s.V1ControllerRevision>;

// batch/v1, scheduling.k8s.io/v1
export type V1Job = Wire<k8s.V1Job>;
export type V1JobSpec = Wire<k8s.V1JobSpec>;
export type V1JobStatus = Wire<k8s.V1JobStatus>;
export type V1JobCondition = Wire<k8s.V1JobCondition>;
export type V1PriorityClass = Wire<k8s.V1PriorityClass>;

/** What every object has; the bound of the client's generic operations. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
}

/** A list response: items plus the list's resourceVersion (and `continue` for paging). */
export interface KubeList<T> {
  readonly items: T[];
  readonly resourceVersion: string;
}

export const WATCH_EVENT_TYPES = ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'] as const;
export type WatchEventType = (typeof WATCH_EVENT_TYPES)[number];

/** One watch event. For BOOKMARK only `metadata.resourceVersion` is meaningful; for ERROR the object is a Status. */
export interface WatchEvent<T = unknown> {
  readonly type: WatchEventType;
  readonly object: T;
}
