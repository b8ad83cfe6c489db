/**
 * What cloudhub does with one upstream frame, decided from the frame and the session's node alone:
 * decode (api codec), drop what is bad (counted by reason), consume keepalives, recognise ACKs,
 * refuse what names another node (ADR 0005), and prefix everything else with `node/<node>/`.
 */
import {
  CLUSTER_CA_RESOURCE,
  Group,
  isKnownOperation,
  MEMBERSHIP_DETAIL_RESOURCE,
  Operation,
  parseObjectResource,
  parseResource,
  ResourceType,
  Source,
  toCloudResource,
  tryParseFrame,
  WireErrorCode,
  type KubeEdgeMessage,
  type ResourceRef,
} from '../../api/index.js';

export type BadReason = 'binary' | 'oversized' | 'malformed' | 'unknown-operation' | 'bad-resource';
export type RefusedReason = 'other-node' | 'other-lease';

export type UpstreamVerdict =
  | { readonly kind: 'bad'; readonly reason: BadReason; readonly detail: string }
  | { readonly kind: 'shutdown' }
  | { readonly kind: 'keepalive' }
  | { readonly kind: 'response'; readonly msg: KubeEdgeMessage }
  | { readonly kind: 'error'; readonly msg: KubeEdgeMessage }
  | { readonly kind: 'ignored'; readonly msg: KubeEdgeMessage; readonly why: string }
  | { readonly kind: 'refused'; readonly msg: KubeEdgeMessage; readonly reason: RefusedReason }
  | { readonly kind: 'forward'; readonly msg: KubeEdgeMessage };

/** Sources whose resources are Kubernetes objects (`<ns>/<type>[/<name>]`), never the special forms. */
const OBJECT_SOURCES: ReadonlySet<string> = new Set([Source.Edged, Source.EdgeController, Source.MetaManager]);
const NODE_TYPES: ReadonlySet<string> = new Set([ResourceType.Node, ResourceType.NodeStatus, ResourceType.NodePatch]);
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

function isShutdownFrame(msg: KubeEdgeMessage): boolean {
  const r = msg.route;
  return msg.header.msg_id === '' && r.source === '' && r.group === '' && r.operation === '' && r.resource === '';
}

/** Structural authorization: Node, NodeStatus, NodePatch and Lease must name the session's node. */
export function authorizeRef(ref: ResourceRef, nodeId: string): RefusedReason | undefined {
  if (ref.kind !== 'object') return undefined;
  if (NODE_TYPES.has(ref.resourceType) && ref.name !== nodeId) return 'other-node';
  if (ref.resourceType === ResourceType.Lease && (ref.namespace !== NODE_LEASE_NAMESPACE || ref.name !== nodeId)) return 'other-lease';
  return undefined;
}

export function checkUpstream(data: string | Uint8Array, nodeId: string, opts: { maxBytes: number; authorize: boolean }): UpstreamVerdict {
  if (typeof data !== 'string') return { kind: 'bad', reason: 'binary', detail: 'binary frame' };
  const parsed = tryParseFrame(data, { maxBytes: opts.maxBytes });
  if (!parsed.ok) {
    const reason = parsed.error.code === WireErrorCode.Oversized ? 'oversized' : 'malformed';
    return { kind: 'bad', reason, detail: parsed.error.message };
  }
  const msg = parsed.value;
  if (isShutdownFrame(msg)) return { kind: 'shutdown' };
  const op = msg.route.operation;
  if (!isKnownOperation(op)) return { kind: 'bad', reason: 'unknown-operation', detail: op.slice(0, 64) };
  if (op === Operation.Keepalive) return { kind: 'keepalive' };
  if (op === Operation.Response) return { kind: 'response', msg };
  if (op === Operation.Error) return { kind: 'error', msg };
  if (msg.route.source === Source.Twin || msg.route.group === Group.Twin || msg.route.resource === MEMBERSHIP_DETAIL_RESOURCE) {
    return { kind: 'ignored', msg, why: 'device twin is not served yet' };
  }
  const resource = msg.route.resource;
  if (resource !== CLUSTER_CA_RESOURCE) {
    let ref: ResourceRef;
    try {
      ref = OBJECT_SOURCES.has(msg.route.source) ? parseObjectResource(resource) : parseResource(resource);
    } catch {
      return { kind: 'bad', reason: 'bad-resource', detail: resource.slice(0, 256) };
    }
    if (opts.authorize) {
      const refused = authorizeRef(ref, nodeId);
      if (refused !== undefined) return { kind: 'refused', msg, reason: refused };
    }
  }
  return { kind: 'forward', msg: { ...msg, route: { ...msg.route, resource: toCloudResource(nodeId, resource) } } };
}

/** The reply to a refused message: op `response`, content an ObjectResp whose Err is a 403 Status. */
export function forbiddenReply(req: KubeEdgeMessage, nodeId: string, reply: (content: unknown) => KubeEdgeMessage): KubeEdgeMessage {
  let name = '';
  let kind = '';
  try {
    const ref = parseObjectResource(req.route.resource);
    name = ref.name ?? '';
    kind = ref.resourceType;
  } catch {
    // keep the details empty
  }
  const status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `node "${nodeId}" may not ${req.route.operation} ${req.route.resource}`,
    reason: 'Forbidden',
    details: { name, kind },
    code: 403,
  };
  return reply({ Object: null, Err: { ErrStatus: status } });
}
