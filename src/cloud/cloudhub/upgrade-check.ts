/**
 * Which WebSocket upgrades cloudhub accepts (ADR 0005): the node is the CN `system:node:<name>` of the
 * verified client certificate; the `node_id` header (any case; Go sends `Node_id`) must name it, and so
 * must the node segment of a `/<project>/<node>/events` path; new nodes beyond `nodeLimit` get 503.
 */
import type { UpgradeInfo } from '../../platform/transport/index.js';
import { NODE_CN_PREFIX } from './edge-cert-request.js';

/** A DNS-1123 subdomain, as Kubernetes requires of node names. */
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export function isValidNodeName(name: string): boolean {
  return name.length > 0 && name.length <= 253 && NODE_NAME.test(name);
}

const EVENTS_PATH = /^\/([^/]+)\/([^/]+)\/events\/?$/;

export type UpgradeCheck =
  | { readonly ok: true; readonly node: string }
  | { readonly ok: false; readonly status: 403 | 503; readonly message: string; readonly reason: string };

export function checkUpgrade(info: UpgradeInfo, limits: { readonly connected: (node: string) => boolean; readonly sessions: number; readonly nodeLimit: number }): UpgradeCheck {
  const refuse = (status: 403 | 503, message: string, reason: string): UpgradeCheck => ({ ok: false, status, message, reason });
  const cn = info.peerCommonName;
  if (!cn.startsWith(NODE_CN_PREFIX)) return refuse(403, 'client certificate is not a node certificate', 'bad-certificate');
  const node = cn.slice(NODE_CN_PREFIX.length);
  if (!isValidNodeName(node)) return refuse(403, 'client certificate names an invalid node', 'bad-certificate');
  const header = info.headers['node_id'];
  if (header === undefined || header === '') return refuse(403, 'node_id header missing', 'missing-node-id');
  if (header !== node) return refuse(403, 'node_id header does not match the client certificate', 'node-id-mismatch');
  const m = EVENTS_PATH.exec(info.path);
  if (m !== null) {
    let segment: string;
    try {
      segment = decodeURIComponent(m[2] ?? '');
    } catch {
      return refuse(403, 'path node does not match the client certificate', 'path-mismatch');
    }
    if (segment !== node) return refuse(403, 'path node does not match the client certificate', 'path-mismatch');
  }
  if (!limits.connected(node) && limits.sessions >= limits.nodeLimit) return refuse(503, 'node limit reached', 'node-limit');
  return { ok: true, node };
}
