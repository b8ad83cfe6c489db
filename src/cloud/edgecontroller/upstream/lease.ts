/**
 * The node's Lease in kube-node-lease (edged's heartbeat): query, insert and update, each answered
 * with an ObjectResp (edgecore's lease client decodes `{"Object", "Err"}` for all three).
 */
import { isJsonObject, type JsonObject } from '../../../base/index.js';
import { RESOURCES, isNotFound, type V1Lease } from '../../../kube/client/index.js';
import { notFoundStatus, objectResp, statusOf } from '../replies.js';
import { callOpts, objectContent, type UpstreamEnv, type UpstreamRequest } from './context.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

function leaseBody(req: UpstreamRequest, env: UpstreamEnv): JsonObject | undefined {
  return objectContent(req, env, 'call', 'lease: the content is not a JSON object');
}

export async function queryLease(req: UpstreamRequest, env: UpstreamEnv): Promise<void> {
  try {
    const lease = await env.client.get(RESOURCES.leases, NODE_LEASE_NAMESPACE, req.nodeId, callOpts(env));
    env.reply(req, objectResp({ ...lease, apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' }));
  } catch (err) {
    env.replyError(req, 'call', isNotFound(err) ? notFoundStatus('leases', 'coordination.k8s.io', req.nodeId) : statusOf(err));
  }
}

/** Owner references to the Node with an empty uid (edged does not know it) get the Node's uid, or are dropped. */
async function fixOwnerReferences(meta: JsonObject, env: UpstreamEnv, nodeId: string): Promise<void> {
  const refs = meta['ownerReferences'];
  if (!Array.isArray(refs)) return;
  let uid = env.nodes.get(undefined, nodeId)?.metadata?.uid;
  if (uid === undefined && refs.some((r) => isJsonObject(r) && !r['uid'])) {
    uid = await env.client.get(RESOURCES.nodes, undefined, nodeId, callOpts(env)).then(
      (n) => n.metadata?.uid,
      () => undefined,
    );
  }
  const fixed: JsonObject[] = [];
  for (const r of refs) {
    if (!isJsonObject(r)) continue;
    if (r['uid']) fixed.push(r);
    else if (r['kind'] === 'Node' && r['name'] === nodeId && uid !== undefined) fixed.push({ ...r, uid });
  }
  if (fixed.length === 0) delete meta['ownerReferences'];
  else meta['ownerReferences'] = fixed;
}

export async function insertLease(req: UpstreamRequest, env: UpstreamEnv): Promise<void> {
  const body = leaseBody(req, env);
  if (body === undefined) return;
  const meta: JsonObject = isJsonObject(body['metadata']) ? { ...body['metadata'] } : {};
  for (const k of ['resourceVersion', 'uid', 'creationTimestamp', 'managedFields']) delete meta[k];
  meta['name'] = req.nodeId;
  meta['namespace'] = NODE_LEASE_NAMESPACE;
  try {
    await fixOwnerReferences(meta, env, req.nodeId);
    const lease = await env.client.create(RESOURCES.leases, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta, spec: isJsonObject(body['spec']) ? body['spec'] : {} } as V1Lease, callOpts(env));
    env.reply(req, objectResp(lease));
  } catch (err) {
    env.replyError(req, 'call', statusOf(err));
  }
}

/** An update may carry only name/namespace and spec: the spec is merge-patched, so no resourceVersion is needed. */
export async function updateLease(req: UpstreamRequest, env: UpstreamEnv): Promise<void> {
  const body = leaseBody(req, env);
  if (body === undefined) return;
  const spec = body['spec'];
  if (!isJsonObject(spec)) {
    env.unsupported(req, 'call', 400, 'bad-body', 'lease update: no spec');
    return;
  }
  try {
    const lease = await env.client.patch(RESOURCES.leases, NODE_LEASE_NAMESPACE, req.nodeId, { spec }, { type: 'merge', ...callOpts(env) });
    env.reply(req, objectResp(lease));
  } catch (err) {
    env.replyError(req, 'call', isNotFound(err) ? notFoundStatus('leases', 'coordination.k8s.io', req.nodeId) : statusOf(err));
  }
}
