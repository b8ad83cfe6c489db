/**
 * Which rows of KubeEdge's `meta` table the metaserver serves, and as which API resource. Keys are
 * `<namespace>/<type>/<name>`; object rows hold the object's JSON, and the status reports edged made
 * (podpatch, nodepatch: `{metadata:{uid}, status}` / `{status}`) are merged into their object's status.
 */
import { BUILTIN_RESOURCES, objectKey, type ResourceInfo } from '../../kube/apiserver/index.js';

function builtin(group: string, plural: string): ResourceInfo {
  const r = BUILTIN_RESOURCES.find((b) => b.group === group && b.plural === plural);
  if (r === undefined) throw new Error(`${plural} missing from the built-in resources`);
  return r;
}

/** Edge type (the `type` column) → the resource it is served as. */
export const SERVED_TYPES: ReadonlyMap<string, ResourceInfo> = new Map([
  ['pod', builtin('', 'pods')],
  ['configmap', builtin('', 'configmaps')],
  ['secret', builtin('', 'secrets')],
  ['service', builtin('', 'services')],
  ['endpoints', builtin('', 'endpoints')],
  ['endpointslice', builtin('discovery.k8s.io', 'endpointslices')],
  ['node', builtin('', 'nodes')],
  ['namespace', builtin('', 'namespaces')],
  ['serviceaccount', builtin('', 'serviceaccounts')],
  ['lease', builtin('coordination.k8s.io', 'leases')],
]);

/** Object type → the type of the status reports merged into it. */
export const PATCH_TYPE_OF: ReadonlyMap<string, string> = new Map([
  ['pod', 'podpatch'],
  ['node', 'nodepatch'],
]);

/** Report type → the object type it belongs to. */
export const OBJECT_TYPE_OF_PATCH: ReadonlyMap<string, string> = new Map([...PATCH_TYPE_OF].map(([o, p]) => [p, o]));

export interface EdgeKey {
  readonly namespace: string;
  readonly type: string;
  readonly name: string;
}

/** `<namespace>/<type>/<name>`; undefined for any other shape. */
export function parseEdgeKey(key: string): EdgeKey | undefined {
  const parts = key.split('/');
  if (parts.length !== 3) return undefined;
  const [namespace, type, name] = parts as [string, string, string];
  if (type === '' || name === '') return undefined;
  return { namespace, type, name };
}

export function edgeKey(k: EdgeKey): string {
  return `${k.namespace}/${k.type}/${k.name}`;
}

/** Where an object row lives in the mirror (cluster-scoped resources drop the edge namespace). */
export function mirrorKeyOf(res: ResourceInfo, k: EdgeKey): string {
  return objectKey(res, res.namespaced ? k.namespace : undefined, k.name);
}
