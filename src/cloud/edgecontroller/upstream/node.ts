/**
 * Node requests from edged: registration (insert), query, label / annotation update, status patch
 * (nodepatch, a strategic-merge-patch string) and the legacy full status update (nodestatus).
 */
import { contentText } from '../../../api/index.js';
import { isJsonObject, type JsonObject } from '../../../base/index.js';
import { RESOURCES, isAlreadyExists, isNotFound, type V1Node } from '../../../kube/client/index.js';
import { CLOUDCORE_ANNOTATION } from '../../common/index.js';
import { notFoundStatus, objectResp, statusOf } from '../replies.js';
import { callOpts, objectContent, type UpstreamEnv, type UpstreamRequest } from './context.js';

function bodyObject(req: UpstreamRequest, env: UpstreamEnv, shape: 'call' | 'query'): JsonObject | undefined {
  return objectContent(req, env, shape, `${req.resourceType} ${req.msg.route.operation}: the content is not a JSON object`);
}

/** The Node to create from what the edge sent: its name forced, server-set fields dropped, the cloudcore annotation added. */
export function nodeForCreate(body: JsonObject, name: string, advertiseAddress: string): V1Node {
  const meta = isJsonObject(body['metadata']) ? { ...body['metadata'] } : {};
  for (const k of ['resourceVersion', 'uid', 'creationTimestamp', 'managedFields', 'selfLink', 'generation']) delete meta[k];
  meta['name'] = name;
  const annotations = isJsonObject(meta['annotations']) ? { ...meta['annotations'] } : {};
  annotations[CLOUDCORE_ANNOTATION] = advertiseAddress;
  meta['annotations'] = annotations;
  const status = isJsonObject(body['status']) ? structuredClone(body['status']) : undefined;
  const node: JsonObject = { apiVersion: 'v1', kind: 'Node', metadata: meta, spec: isJsonObject(body['spec']) ? body['spec'] : {} };
  if (status !== undefined) node['status'] = status;
  return node as V1Node;
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isJsonObject(v)) return out;
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

export async function registerNode(req: UpstreamRequest, env: UpstreamEnv): Promise<void> {
  const body = bodyObject(req, env, 'call');
  if (body === undefined) return;
  const name = req.nodeId;
  const wanted = nodeForCreate(body, name, env.advertiseAddress);
  try {
    let created = await env.client.create(RESOURCES.nodes, wanted, callOpts(env));
    const hasStatus = wanted.status !== undefined && (created.status?.conditions === undefined || created.status.conditions.length === 0);
    if (hasStatus) {
      created = await env.client.patch(RESOURCES.nodes, undefined, name, { status: wanted.status }, { type: 'merge', subresource: 'status', ...callOpts(env) });
    }
    env.log.info({ node: name }, 'edge node registered');
    env.reply(req, objectResp(created));
  } catch (err) {
    if (!isAlreadyExists(err)) {
      env.log.warn({ node: name, err }, 'edge node registration failed');
      env.replyError(req, 'call', statusOf(err));
      return;
    }
    try {
      const patch = { metadata: { labels: wanted.metadata?.labels ?? {}, annotations: wanted.metadata?.annotations ?? {} } };
      const node = await env.client.patch(RESOURCES.nodes, undefined, name, patch, { type: 'merge', ...callOpts(env) });
      env.log.info({ node: name }, 'edge node re-registered');
      env.reply(req, objectResp(node));
    } catch (patchErr) {
      env.replyError(req, 'call', statusOf(patchErr));
    }
  }
}

export async function queryNode(req: UpstreamRequest, env: UpstreamEnv): Promise<void> {
  const name = req.nodeId;
  let node = env.nodes.get(undefined, name);
  if (node === undefined) {
    try {
      node = await env.client.get(RESOURCES.nodes, undefined, name, callOpts(env));
    } catch (err) {
      env.replyError(req, 'query', isNotFound(err) ? notFoundStatus('nodes', '', name) : statusOf(err));
      return;
    }
  }
  env.reply(req, { ...node, apiVersion: 'v1', kind: 'Node' }, node.metadata?.resourceVersion);
}

/** op update on `node`: merge the edge's labels and annotations into the Node; reply "OK" with the new resourceVersion. */
export async function updateNode(req: UpstreamRequest, env: UpstreamEnv): Promise<void> {
  const body = bodyObject(req, env, 'call');
  if (body === undefined) return;
  const meta = isJsonObject(body['metadata']) ? body['metadata'] : {};
  const patch = { metadata: { labels: stringMap(meta['labels']), annotations: stringMap(meta['annotations']) } };
  try {
    const node = await env.client.patch(RESOURCES.nodes, undefined, req.nodeId, patch, { type: 'merge', ...callOpts(env) });
    env.reply(req, 'OK', node.metadata?.resourceVersion);
  } catch (err) {
    env.replyError(req, 'call', statusOf(err));
  }
}

export async function patchNodeStatus(req: UpstreamRequest, env: UpstreamEnv): Promise<void> {
  const text = contentText(req.msg);
  try {
    JSON.parse(text);
  } catch {
    env.unsupported(req, 'call', 400, 'bad-body', 'nodepatch: the content is not a JSON patch');
    return;
  }
  try {
    const node = await env.client.patch(RESOURCES.nodes, undefined, req.nodeId, text, { type: 'strategic', subresource: 'status', ...callOpts(env) });
    env.reply(req, objectResp(node), node.metadata?.resourceVersion);
  } catch (err) {
    env.replyError(req, 'call', isNotFound(err) ? notFoundStatus('nodes', '', req.nodeId) : statusOf(err));
  }
}

/**
 * Legacy nodestatus update: content a NodeStatusRequest `{UID, Status, ExtendResources}` (Go field
 * names, matched case-insensitively). Heartbeats older than nodeUpdateFrequency are moved to now.
 */
export async function updateNodeStatus(req: UpstreamRequest, env: UpstreamEnv): Promise<void> {
  const body = bodyObject(req, env, 'call');
  if (body === undefined) return;
  const statusKey = Object.keys(body).find((k) => k.toLowerCase() === 'status');
  const status = statusKey === undefined ? undefined : body[statusKey];
  if (!isJsonObject(status)) {
    env.unsupported(req, 'call', 400, 'bad-body', 'nodestatus: no Status in the content');
    return;
  }
  const next = structuredClone(status);
  const now = Date.now();
  const conditions = next['conditions'];
  if (Array.isArray(conditions)) {
    for (const c of conditions) {
      if (!isJsonObject(c)) continue;
      const hb = typeof c['lastHeartbeatTime'] === 'string' ? Date.parse(c['lastHeartbeatTime']) : NaN;
      if (Number.isNaN(hb) || now - hb > env.nodeUpdateFrequency * 1000) c['lastHeartbeatTime'] = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
  }
  try {
    const node = await env.client.patch(RESOURCES.nodes, undefined, req.nodeId, { status: next }, { type: 'merge', subresource: 'status', ...callOpts(env) });
    env.reply(req, 'OK', node.metadata?.resourceVersion);
  } catch (err) {
    env.replyError(req, 'call', statusOf(err));
  }
}

/** On `connected`: record which cloudcore holds the session (annotation `cloudcore`), if the Node exists. */
export async function annotateConnected(nodeId: string, env: UpstreamEnv): Promise<void> {
  const node = env.nodes.get(undefined, nodeId);
  if (node?.metadata?.annotations?.[CLOUDCORE_ANNOTATION] === env.advertiseAddress) return;
  try {
    await env.client.patch(RESOURCES.nodes, undefined, nodeId, { metadata: { annotations: { [CLOUDCORE_ANNOTATION]: env.advertiseAddress } } }, { type: 'merge', ...callOpts(env) });
  } catch (err) {
    if (!isNotFound(err)) env.log.warn({ node: nodeId, err }, 'cloudcore annotation not set');
  }
}
