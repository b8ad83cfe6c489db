import type { JsonObject } from '../../base/index.js';

/** One served resource: what discovery lists and what the router dispatches on. */
export interface ResourceInfo {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  /** Lower-case plural, as in the URL. */
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly subresources: readonly Subresource[];
  /** For custom resources: the CRD's printer columns and validation schema of this version. */
  readonly custom?: CustomResourceSpec;
}

export type Subresource = 'status' | 'scale' | 'binding' | 'eviction' | 'token';

export interface PrinterColumn {
  readonly name: string;
  readonly type: string;
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
  readonly format?: string;
}

export interface CustomResourceSpec {
  readonly crdName: string;
  readonly schema: JsonObject | undefined;
  readonly printerColumns: readonly PrinterColumn[];
  /** Scale subresource paths, when the CRD enables it. */
  readonly scale?: { readonly specReplicasPath: string; readonly statusReplicasPath: string; readonly labelSelectorPath?: string };
}

export function groupVersion(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

export const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;

function r(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  subresources: Subresource[] = [],
  shortNames: string[] = [],
  categories: string[] = [],
): ResourceInfo {
  return { group, version, kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(), namespaced, subresources, shortNames, categories };
}

/** The built-in resources this API server serves. */
export const BUILTIN_RESOURCES: readonly ResourceInfo[] = [
  r('', 'v1', 'Namespace', 'namespaces', false, ['status'], ['ns']),
  r('', 'v1', 'Node', 'nodes', false, ['status'], ['no']),
  r('', 'v1', 'Pod', 'pods', true, ['status', 'binding', 'eviction'], ['po'], ['all']),
  r('', 'v1', 'ConfigMap', 'configmaps', true, [], ['cm']),
  r('', 'v1', 'Secret', 'secrets', true),
  r('', 'v1', 'Service', 'services', true, ['status'], ['svc'], ['all']),
  r('', 'v1', 'Endpoints', 'endpoints', true, [], ['ep']),
  r('', 'v1', 'Event', 'events', true, [], ['ev']),
  r('', 'v1', 'ServiceAccount', 'serviceaccounts', true, ['token'], ['sa']),
  r('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  r('apps', 'v1', 'Deployment', 'deployments', true, ['status', 'scale'], ['deploy'], ['all']),
  r('apps', 'v1', 'ReplicaSet', 'replicasets', true, ['status', 'scale'], ['rs'], ['all']),
  r('apps', 'v1', 'DaemonSet', 'daemonsets', true, ['status'], ['ds'], ['all']),
  r('apps', 'v1', 'StatefulSet', 'statefulsets', true, ['status', 'scale'], ['sts'], ['all']),
  r('apps', 'v1', 'ControllerRevision', 'controllerrevisions', true),
  r('batch', 'v1', 'Job', 'jobs', true, ['status'], [], ['all']),
  r('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', false, [], ['pc']),
  r('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true),
  r('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, ['status'], ['crd', 'crds']),
];

/** The store key prefix of a resource: `/<group or core>/<plural>/`. */
export function resourcePrefix(res: Pick<ResourceInfo, 'group' | 'plural'>): string {
  return `/${res.group === '' ? 'core' : res.group}/${res.plural}/`;
}

/** The store key of one object. */
export function objectKey(res: Pick<ResourceInfo, 'group' | 'plural' | 'namespaced'>, namespace: string | undefined, name: string): string {
  return res.namespaced ? `${resourcePrefix(res)}${namespace ?? ''}/${name}` : `${resourcePrefix(res)}${name}`;
}
