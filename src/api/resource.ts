/**
 * KubeEdge resource strings (facts §3.3): the only place they are built and parsed.
 *
 * Edge form (what edgecore sends and receives): `<namespace>/<resourceType>[/<name>]`, e.g.
 * `default/pod/nginx`, `kube-node-lease/lease/edge1`, plus the special forms `node` (keepalive),
 * `membership[/detail]`, `device/<ns>/<name>[/<sub...>]` (twin), `k8s/ca.crt`, `rule/<name>`,
 * `ruleendpoint/<name>`.
 * Cloud form (inside cloudcore): `node/<nodeId>/<edge form>`; cloudhub strips the prefix going down
 * and adds it coming up. Cluster-scoped objects use namespace `null` in the cloud form.
 */
import { KeError } from '../base/index.js';

export const BAD_RESOURCE = 'KE_WIRE_BAD_RESOURCE';

/** Resource types from KubeEdge (model/message.go, common/constants, devicecontroller). */
export const ResourceType = {
  Pod: 'pod',
  PodList: 'podlist',
  PodStatus: 'podstatus',
  PodPatch: 'podpatch',
  Node: 'node',
  NodeStatus: 'nodestatus',
  NodePatch: 'nodepatch',
  ConfigMap: 'configmap',
  Secret: 'secret',
  ServiceAccountToken: 'serviceaccounttoken',
  ServiceAccountAccess: 'serviceaccountaccess',
  Event: 'event',
  Lease: 'lease',
  Rule: 'rule',
  RuleEndpoint: 'ruleendpoint',
  RuleStatus: 'rulestatus',
  CertificateSigningRequest: 'certificatesigningrequest',
  PersistentVolume: 'persistentvolume',
  PersistentVolumeClaim: 'persistentvolumeclaim',
  VolumeAttachment: 'volumeattachment',
  Volume: 'volume',
  Service: 'service',
  Endpoints: 'endpoints',
  Device: 'device',
  DeviceModel: 'devicemodel',
  DeviceMapper: 'devicemapper',
  Membership: 'membership',
} as const;
export type ResourceTypeName = (typeof ResourceType)[keyof typeof ResourceType];

/** Namespace written for cluster-scoped objects in cloud resource strings. */
export const NULL_NAMESPACE = 'null';
/** Resource of the edge keepalive. */
export const KEEPALIVE_RESOURCE = 'node';
/** Resource of the cluster CA query. */
export const CLUSTER_CA_RESOURCE = 'k8s/ca.crt';
export const MEMBERSHIP_DETAIL_RESOURCE = 'membership/detail';

export type ResourceRef =
  | { readonly kind: 'object'; readonly namespace: string; readonly resourceType: string; readonly name?: string }
  | { readonly kind: 'keepalive' }
  | { readonly kind: 'cluster-ca' }
  | { readonly kind: 'membership'; readonly sub?: string }
  | { readonly kind: 'device'; readonly namespace: string; readonly name: string; readonly sub?: string }
  | { readonly kind: 'rule'; readonly name: string }
  | { readonly kind: 'ruleendpoint'; readonly name: string };

export type ObjectRef = Extract<ResourceRef, { kind: 'object' }>;

export interface CloudResource {
  readonly nodeId: string;
  /** The edge-form remainder; "" for a bare `node/<id>` (connected/disconnected events). */
  readonly edgeResource: string;
  /** Parsed remainder; undefined when edgeResource is "". */
  readonly ref: ResourceRef | undefined;
}

function bad(resource: string, why: string): KeError {
  return new KeError(BAD_RESOURCE, `bad resource ${JSON.stringify(resource)}: ${why}`, { details: { resource } });
}

function checkSegment(seg: string, what: string, whole: string): string {
  if (seg === '') throw bad(whole, `empty ${what}`);
  if (seg.includes('/')) throw bad(whole, `${what} contains "/"`);
  return seg;
}

/**
 * Parses `<namespace>/<type>[/<name>]` only, with no special forms: use this for messages whose
 * source says they carry Kubernetes objects (edged, edgecontroller, metamanager), so that a
 * namespace called `device`, `membership` or `rule` is not misread. Throws KE_WIRE_BAD_RESOURCE.
 */
export function parseObjectResource(resource: string): ObjectRef {
  const parts = resource.split('/');
  if (parts.some((p) => p === '')) throw bad(resource, 'empty segment');
  const [namespace, resourceType, name, ...rest] = parts;
  if (namespace === undefined || resourceType === undefined) throw bad(resource, 'expected <namespace>/<type>[/<name>]');
  if (rest.length > 0) throw bad(resource, 'too many segments');
  return name === undefined ? { kind: 'object', namespace, resourceType } : { kind: 'object', namespace, resourceType, name };
}

/**
 * Parses an edge-form resource string, recognising the special forms first (`node`, `k8s/ca.crt`,
 * `membership[/...]`, `device/<ns>/<name>[/...]`, `rule/<n>`, `ruleendpoint/<n>`), else the object
 * form. Throws KeError KE_WIRE_BAD_RESOURCE.
 */
export function parseResource(resource: string): ResourceRef {
  if (resource === KEEPALIVE_RESOURCE) return { kind: 'keepalive' };
  if (resource === CLUSTER_CA_RESOURCE) return { kind: 'cluster-ca' };
  const parts = resource.split('/');
  if (parts.some((p) => p === '')) throw bad(resource, 'empty segment');
  const [first, second, third, ...rest] = parts;
  if (first === undefined) throw bad(resource, 'empty');
  if (first === ResourceType.Membership) {
    const sub = parts.slice(1).join('/');
    return sub === '' ? { kind: 'membership' } : { kind: 'membership', sub };
  }
  if (first === ResourceType.Device && second !== undefined && third !== undefined) {
    const sub = rest.join('/');
    const ref = { kind: 'device', namespace: second, name: third } as const;
    return sub === '' ? ref : { ...ref, sub };
  }
  if ((first === ResourceType.Rule || first === ResourceType.RuleEndpoint) && parts.length === 2 && second !== undefined) {
    return { kind: first, name: second };
  }
  if (first === ResourceType.Device) throw bad(resource, 'expected device/<namespace>/<name>[/...]');
  return parseObjectResource(resource);
}

export function tryParseResource(resource: string): ResourceRef | undefined {
  try {
    return parseResource(resource);
  } catch {
    return undefined;
  }
}

/** Builds the edge-form string of a ref. Throws KE_WIRE_BAD_RESOURCE on empty or "/"-containing segments. */
export function buildResource(ref: ResourceRef): string {
  const whole = JSON.stringify(ref);
  switch (ref.kind) {
    case 'keepalive':
      return KEEPALIVE_RESOURCE;
    case 'cluster-ca':
      return CLUSTER_CA_RESOURCE;
    case 'membership':
      if (ref.sub === undefined) return ResourceType.Membership;
      for (const s of ref.sub.split('/')) checkSegment(s, 'membership sub-resource', whole);
      return `${ResourceType.Membership}/${ref.sub}`;
    case 'device': {
      const base = `${ResourceType.Device}/${checkSegment(ref.namespace, 'namespace', whole)}/${checkSegment(ref.name, 'name', whole)}`;
      if (ref.sub === undefined) return base;
      for (const s of ref.sub.split('/')) checkSegment(s, 'device sub-resource', whole);
      return `${base}/${ref.sub}`;
    }
    case 'rule':
    case 'ruleendpoint':
      return `${ref.kind}/${checkSegment(ref.name, 'name', whole)}`;
    case 'object': {
      const base = `${checkSegment(ref.namespace, 'namespace', whole)}/${checkSegment(ref.resourceType, 'resource type', whole)}`;
      return ref.name === undefined ? base : `${base}/${checkSegment(ref.name, 'name', whole)}`;
    }
  }
}

/** `<namespace>/<type>[/<name>]` for a Kubernetes object (edge form). */
export function objectResource(namespace: string, resourceType: string, name?: string): string {
  return buildResource(name === undefined ? { kind: 'object', namespace, resourceType } : { kind: 'object', namespace, resourceType, name });
}

/** Prepends `node/<nodeId>/` (cloudhub upstream); a bare `node/<nodeId>` when edgeResource is "". */
export function toCloudResource(nodeId: string, edgeResource: string): string {
  checkSegment(nodeId, 'node id', `node/${nodeId}`);
  return edgeResource === '' ? `node/${nodeId}` : `node/${nodeId}/${edgeResource}`;
}

/** Cloud-form string for an object: `node/<id>/<ns|null>/<type>[/<name>]`. */
export function cloudObjectResource(nodeId: string, namespace: string | null, resourceType: string, name?: string): string {
  return toCloudResource(nodeId, objectResource(namespace ?? NULL_NAMESPACE, resourceType, name));
}

/** Parses `node/<nodeId>[/<edge form>]`. Throws KE_WIRE_BAD_RESOURCE. */
export function parseCloudResource(resource: string): CloudResource {
  const parts = resource.split('/');
  if (parts[0] !== 'node' || parts.length < 2) throw bad(resource, 'expected node/<nodeId>/...');
  const nodeId = parts[1] ?? '';
  if (nodeId === '') throw bad(resource, 'empty node id');
  const edgeResource = parts.slice(2).join('/');
  if (parts.length > 2 && edgeResource === '') throw bad(resource, 'empty resource after node id');
  return { nodeId, edgeResource, ref: edgeResource === '' ? undefined : parseResource(edgeResource) };
}

/** Strips `node/<nodeId>/` (cloudhub downstream, KubeEdge TrimMessage). */
export function toEdgeResource(resource: string): { nodeId: string; edgeResource: string } {
  const { nodeId, edgeResource } = parseCloudResource(resource);
  return { nodeId, edgeResource };
}
