/**
 * What the cloudcore modules share: their names (beehive inboxes), the internal events cloudhub
 * publishes, and the dependencies cmd hands every module. Modules never import each other; they talk
 * through beehive messages (`KubeEdgeMessage`) addressed by these names.
 *
 * Message flow inside cloudcore (resources in cloud form `node/<nodeId>/<ns>/<type>[/<name>]`):
 *   edge frame → cloudhub (validate, authenticate, prefix resource) → send('edgecontroller', msg)
 *   edgecontroller reply (op `response`, parent_msg_id = request id) → send('cloudhub', reply) → edge
 *   edgecontroller / synccontroller downstream (insert|update|delete, header.resourceversion set,
 *     content the object) → send('cloudhub', msg) → node queue (ACK-tracked, coalesced by object UID)
 *   edge ACK (op `response`, content "OK") → cloudhub records the success point (ObjectSync)
 */
import type { KubeEdgeMessage } from '../../api/index.js';
import type { Module } from '../../beehive/index.js';
import type { InformerFactory, KubeClient } from '../../kube/client/index.js';
import type { Logger } from '../../platform/log/index.js';
import type { MetricsRegistry } from '../../platform/metrics/index.js';

export const CloudModule = {
  CloudHub: 'cloudhub',
  EdgeController: 'edgecontroller',
  SyncController: 'synccontroller',
} as const;

/** Groups of the cloud modules (one module each today). */
export const CloudGroup = {
  CloudHub: 'cloudhub',
  EdgeController: 'edgecontroller',
  SyncController: 'synccontroller',
} as const;

/**
 * Session events cloudhub sends to edgecontroller and synccontroller: resource `node/<nodeId>`,
 * source `cloudhub`, group `resource`, operation `connected` | `disconnected`, content `NodeEvent`.
 */
export interface NodeEvent {
  readonly event_type: 'connected' | 'disconnected';
  /** ms since epoch */
  readonly timestamp: number;
  /** The session id. */
  readonly client_id: string;
}

/** The label that marks a Node as an edge node (set by edged, read by edgecontroller and the node-lifecycle controller). */
export const EDGE_NODE_LABEL = 'node-role.kubernetes.io/edge';
export const AGENT_NODE_LABEL = 'node-role.kubernetes.io/agent';
/** Annotation set on a Node when it connects: which cloudcore holds its session. */
export const CLOUDCORE_ANNOTATION = 'cloudcore';

/** The namespace cloudcore keeps its own objects in (token secret). */
export const KUBEEDGE_NAMESPACE = 'kubeedge';
export const TOKEN_SECRET_NAME = 'tokensecret';
export const TOKEN_SECRET_KEY = 'tokendata';

/** What cmd hands to every cloud module. One client and one informer factory per cloudcore. */
export interface CloudModuleDeps {
  readonly client: KubeClient;
  /** Shared; cmd starts it after every module's start() has registered its informers. */
  readonly informers: InformerFactory;
  readonly log: Logger;
  readonly metrics: MetricsRegistry;
}

export type CloudModule = Module<KubeEdgeMessage>;
export type { MetricsRegistry };
export {
  CLUSTER_OBJECT_SYNCS,
  OBJECT_SYNCS,
  OBJECT_SYNC_NODE_LABEL,
  SyncPoints,
  ensureReliableSyncCrds,
  type SyncedObject,
} from './objectsync.js';
export { UNASSIGN_TYPE, isUnassign, markUnassign, withoutUnassignMark } from './unassign.js';
export { POD_NODE_INDEX, RefKind, parseRefKey, podNodeIndex, podRefs, podServiceAccount, refKey, type RefKey } from './pod-refs.js';
