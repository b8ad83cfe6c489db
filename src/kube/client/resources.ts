/**
 * Which resource a request is about, and the URL paths for it. A `ResourceRef<T>` carries the object
 * type `T` as a phantom so `client.get(RESOURCES.pods, ns, name)` is typed `V1Pod` without a cast.
 */
import type {
  KubeObject,
  V1ConfigMap,
  V1ControllerRevision,
  V1DaemonSet,
  V1Deployment,
  V1EndpointSlice,
  V1Endpoints,
  V1Event,
  V1Job,
  V1Lease,
  V1Namespace,
  V1Node,
  V1Pod,
  V1PriorityClass,
  V1ReplicaSet,
  V1Secret,
  V1Service,
  V1ServiceAccount,
  V1StatefulSet,
} from './types.js';

export interface ResourceRef<T extends KubeObject = KubeObject> {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** Lower-case plural, as in the URL. */
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Type marker only; never set. */
  readonly __object?: T;
}

export function resourceRef<T extends KubeObject>(group: string, version: string, plural: string, kind: string, namespaced: boolean): ResourceRef<T> {
  return Object.freeze({ group, version, plural, kind, namespaced });
}

/** The built-in resources the controllers, the scheduler and cloudcore use. */
export const RESOURCES = {
  pods: resourceRef<V1Pod>('', 'v1', 'pods', 'Pod', true),
  nodes: resourceRef<V1Node>('', 'v1', 'nodes', 'Node', false),
  namespaces: resourceRef<V1Namespace>('', 'v1', 'namespaces', 'Namespace', false),
  services: resourceRef<V1Service>('', 'v1', 'services', 'Service', true),
  endpoints: resourceRef<V1Endpoints>('', 'v1', 'endpoints', 'Endpoints', true),
  events: resourceRef<V1Event>('', 'v1', 'events', 'Event', true),
  configmaps: resourceRef<V1ConfigMap>('', 'v1', 'configmaps', 'ConfigMap', true),
  secrets: resourceRef<V1Secret>('', 'v1', 'secrets', 'Secret', true),
  serviceaccounts: resourceRef<V1ServiceAccount>('', 'v1', 'serviceaccounts', 'ServiceAccount', true),
  endpointslices: resourceRef<V1EndpointSlice>('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  leases: resourceRef<V1Lease>('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  deployments: resourceRef<V1Deployment>('apps', 'v1', 'deployments', 'Deployment', true),
  replicasets: resourceRef<V1ReplicaSet>('apps', 'v1', 'replicasets', 'ReplicaSet', true),
  daemonsets: resourceRef<V1DaemonSet>('apps', 'v1', 'daemonsets', 'DaemonSet', true),
  statefulsets: resourceRef<V1StatefulSet>('apps', 'v1', 'statefulsets', 'StatefulSet', true),
  controllerrevisions: resourceRef<V1ControllerRevision>('apps', 'v1', 'controllerrevisions', 'ControllerRevision', true),
  jobs: resourceRef<V1Job>('batch', 'v1', 'jobs', 'Job', true),
  priorityclasses: resourceRef<V1PriorityClass>('scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', false),
} as const;

/** `v1` or `apps/v1`: the apiVersion of objects of this resource. */
export function apiVersionOf(ref: Pick<ResourceRef, 'group' | 'version'>): string {
  return ref.group === '' ? ref.version : `${ref.group}/${ref.version}`;
}

function groupPrefix(ref: ResourceRef): string {
  return ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
}

/**
 * The collection URL. For a namespaced resource without a namespace (undefined or ''), the
 * all-namespaces collection; a cluster-scoped resource ignores `namespace`.
 */
export function collectionPath(ref: ResourceRef, namespace?: string): string {
  if (ref.namespaced && namespace !== undefined && namespace !== '') {
    return `${groupPrefix(ref)}/namespaces/${encodeURIComponent(namespace)}/${ref.plural}`;
  }
  return `${groupPrefix(ref)}/${ref.plural}`;
}

/** The URL of one object (and optionally a subresource: status, binding, eviction, scale). */
export function objectPath(ref: ResourceRef, namespace: string | undefined, name: string, subresource?: string): string {
  const base = `${collectionPath(ref, namespace)}/${encodeURIComponent(name)}`;
  return subresource === undefined ? base : `${base}/${subresource}`;
}

/** The informer cache key: `namespace/name`, or `name` for cluster-scoped objects (client-go's MetaNamespaceKey). */
export function keyOf(namespace: string | undefined, name: string): string {
  return namespace === undefined || namespace === '' ? name : `${namespace}/${name}`;
}

/** `keyOf` for an object; '' when it has no name. */
export function objectKey(obj: KubeObject): string {
  const name = obj.metadata?.name;
  if (name === undefined) return '';
  return keyOf(obj.metadata?.namespace, name);
}

/** Splits a cache key back into namespace ('' for cluster-scoped) and name. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
