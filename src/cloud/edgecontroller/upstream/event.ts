/**
 * Events edged reports (with `reportEvent`): created (insert) or updated (update / patch) in the
 * API, allowed only when they are about the node itself or one of its pods.
 */
import { contentJson, contentText, Operation } from '../../../api/index.js';
import { isJsonObject, type JsonObject } from '../../../base/index.js';
import { RESOURCES, isAlreadyExists, type V1Event } from '../../../kube/client/index.js';
import { objectResp, statusOf } from '../replies.js';
import { callOpts, type UpstreamEnv, type UpstreamRequest } from './context.js';
import { findPod } from './pod.js';

export const EVENT_REFUSED = 'event-not-related';

async function related(env: UpstreamEnv, nodeId: string, ev: JsonObject, namespace: string): Promise<boolean> {
  const io = ev['involvedObject'];
  if (!isJsonObject(io)) return false;
  if (io['kind'] === 'Node') return io['name'] === nodeId;
  if (io['kind'] !== 'Pod' || typeof io['name'] !== 'string') return false;
  const ns = typeof io['namespace'] === 'string' && io['namespace'] !== '' ? io['namespace'] : namespace;
  const pod = await findPod(env, ns, io['name']).catch(() => undefined);
  return pod?.spec?.nodeName === nodeId;
}

export async function handleEvent(req: UpstreamRequest, env: UpstreamEnv, name: string | undefined): Promise<void> {
  const op = req.msg.route.operation;
  let body: unknown;
  try {
    body = op === Operation.Patch ? JSON.parse(contentText(req.msg)) : contentJson(req.msg);
  } catch {
    body = undefined;
  }
  if (!isJsonObject(body)) {
    env.unsupported(req, 'call', 400, 'bad-body', 'event: the content is not a JSON object');
    return;
  }
  const meta = isJsonObject(body['metadata']) ? body['metadata'] : {};
  const evName = name ?? (typeof meta['name'] === 'string' ? meta['name'] : undefined);
  if (evName === undefined) {
    env.unsupported(req, 'call', 400, 'bad-body', 'event: no name');
    return;
  }
  // a patch may omit involvedObject: judge it by the stored event
  let judged: JsonObject = body;
  if (op !== Operation.Insert && !isJsonObject(body['involvedObject'])) {
    try {
      judged = (await env.client.get(RESOURCES.events, req.namespace, evName, callOpts(env))) as JsonObject;
    } catch (err) {
      env.replyError(req, 'call', statusOf(err));
      return;
    }
  }
  if (!(await related(env, req.nodeId, judged, req.namespace))) {
    env.refuse(req, 'call', EVENT_REFUSED, `event ${req.namespace}/${evName} is not about node ${req.nodeId} or its pods`);
    return;
  }
  try {
    let ev: V1Event;
    if (op === Operation.Insert) {
      const { resourceVersion: _rv, uid: _uid, managedFields: _mf, ...cleanMeta } = meta;
      const toCreate = { ...body, apiVersion: 'v1', kind: 'Event', metadata: { ...cleanMeta, name: evName, namespace: req.namespace } } as V1Event;
      try {
        ev = await env.client.create(RESOURCES.events, toCreate, callOpts(env));
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        ev = await env.client.patch(RESOURCES.events, req.namespace, evName, { count: body['count'] ?? 1, lastTimestamp: body['lastTimestamp'] ?? null }, { type: 'merge', ...callOpts(env) });
      }
    } else {
      const { metadata: _m, ...patch } = body;
      ev = await env.client.patch(RESOURCES.events, req.namespace, evName, patch, { type: op === Operation.Patch ? 'strategic' : 'merge', ...callOpts(env) });
    }
    env.reply(req, objectResp(ev), ev.metadata?.resourceVersion);
  } catch (err) {
    env.replyError(req, 'call', statusOf(err));
  }
}
