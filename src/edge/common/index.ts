/**
 * What the edgecore modules share: names (beehive inboxes and groups, as KubeEdge's), the connection
 * event edgehub broadcasts, the pod runtime contract edged drives, and the dependencies cmd hands in.
 *
 * Message flow inside edgecore (resources in edge form `<ns>/<type>[/<name>]`):
 *   cloud frame → edgehub: a reply (parent_msg_id set) → router.respond(); else sendToGroup('meta')
 *   metamanager: store in SQLite `meta`, forward pods/configmaps/secrets to edged, then ACK via send('websocket', ackFor(msg))
 *   edged → metamanager: query (answered from SQLite offline), insert/update/delete (remote, sync),
 *     patch of podpatch/nodepatch (stored, then send('websocket'), fire and forget)
 *   metamanager → edgehub: sendSync('websocket', msg) for remote calls; send('websocket', msg) otherwise.
 *   edgehub keeps podpatch/nodepatch/podstatus reports in the durable upstream queue until the cloud answers.
 */
import type { KubeEdgeMessage } from '../../api/index.js';
import type { EdgeCoreConfig } from '../../api/config/index.js';
import type { Module } from '../../beehive/index.js';
import type { Logger } from '../../platform/log/index.js';
import type { MetricsRegistry } from '../../platform/metrics/index.js';
import type { EdgeDb } from '../../platform/store/edge-db-types.js';

export const EdgeModule = {
  EdgeHub: 'websocket',
  MetaManager: 'metamanager',
  Edged: 'edged',
} as const;

export const EdgeGroup = {
  Hub: 'hub',
  Meta: 'meta',
  Edged: 'edged',
} as const;

/**
 * Connection event edgehub sends to groups `meta` and `edged` (KubeEdge's node connection message):
 * source `edgehub`, group `meta`, operation `connect`, resource `node/connection`, content
 * `connected` | `disconnected`.
 */
export const CONNECTION_RESOURCE = 'node/connection';
export const CONNECTION_OPERATION = 'connect';
export type ConnectionState = 'connected' | 'disconnected';

export type EdgeModule = Module<KubeEdgeMessage>;

export interface EdgeModuleDeps {
  readonly config: EdgeCoreConfig;
  /** Opened once by cmd, shared by metamanager (meta table) and edgehub (upstream queue). */
  readonly db: EdgeDb;
  readonly log: Logger;
  readonly metrics: MetricsRegistry;
  /** The node's name (config hostnameOverride, else the host name). */
  readonly nodeName: string;
}
