/**
 * Events edged reports (with `reportEvent`): created (insert) or updated (update / patch) in the
 * API, allowed only when they are about the node itself or one of its pods. An existing event is
 * judged by what is stored, not by the request: update, patch and the insert that finds the name
 * taken are authorized on the stored event's involvedObject, and may not change it.
 */
import { contentJson, contentText, Operation } from '../../../api/index.js';
import { isJsonObject, type JsonObject } from '../../../base/index.js';
import { RESOURCES, isAlreadyExists, type V1Event } from '../../../kube/client/index.js';
import { objectResp, statusOf } from '../replies.js';
import { callOpts, type UpstreamEnv, type UpstreamRequest } from './context.js';
import { findPod } from './pod.js';

export const EVENT_REFUSED = 'event-not-related';
export const EVENT_OBJECT_CHANGED = 'event-involved-object-changed';

/** Whether `ev` is about node `nodeId` or a pod bound to it, in the request's namespace. */
async function related(env: UpstreamEnv, nodeId: string, ev: JsonObject, namespace: string): Promise<boolean> {
  const io = ev['involvedObject'];
  if (!isJsonObject(io)) return false;
  if (io['kind'] === 'Node') return io['name'] === nodeId;
  if (io['kind'] !== 'Pod' || typeof io['name'] !== 'string') return false;
  const ns = io['namespace'];
  if (ns !== undefined && ns !== null && ns !== '' && ns !== namespace) return false;
  const pod = await findPod(env, namespace, io['name']).catch(() => undefined);
  if (pod?.spec?.nodeName !== nodeId) return false;
  const uid = io['uid'];
  return typeof uid !== 'string' || uid === '' || uid === pod.metadata?.uid;
}

/** Whether the body's involvedObject (if any) would change the stored one: every field it sets must be equal. */
function changesInvolvedObject(body: JsonObject, stored: JsonObject): boolean {
  if (!('involvedObject' in body)) return false;
  const want = body['involvedObject'];
  const have = stored['involvedObject'];
  if (!isJsonObject(want) || !isJsonObject(have)) return true;
  return Object.entries(want).some(([k, v]) => JSON.stringify(v ?? null) !== JSON.stringify(have[k] ?? null));
}

function parseBody(req: UpstreamRequest): unknown {
  try {
    return req.msg.route.operation === Operation.Patch ? JSON.parse(contentText(req.msg)) : contentJson(req.msg);
  } catch {
    return undefined;
  }
}

export async function handleEvent(req: UpstreamRequest, env: UpstreamEnv, name: string | undefined): Promise<void> {
  const op = req.msg.route.operation;
  const body = parseBody(req);
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
  const refuse = (): void => env.refuse(req, 'call', EVENT_REFUSED, `event ${req.namespace}/${evName} is not about node ${req.nodeId} or its pods`);

  /** The stored event, authorized and unchanged in involvedObject by `body`; undefined when answered. */
  const storedOwn = async (): Promise<JsonObject | undefined> => {
    let stored: JsonObject;
    try {
      stored = (await env.client.get(RESOURCES.events, req.namespace, evName, callOpts(env))) as JsonObject;
    } catch (err) {
      env.replyError(req, 'call', statusOf(err));
      return undefined;
    }
    if (!(await related(env, req.nodeId, stored, req.namespace))) {
      refuse();
      return undefined;
    }
    if (changesInvolvedObject(body, stored)) {
      env.refuse(req, 'call', EVENT_OBJECT_CHANGED, `event ${req.namespace}/${evName}: involvedObject may not change`);
      return undefined;
    }
    return stored;
  };

  try {
    let ev: V1Event;
    if (op === Operation.Insert) {
      if (!(await related(env, req.nodeId, body, req.namespace))) {
        refuse();
        return;
      }
      const { resourceVersion: _rv, uid: _uid, managedFields: _mf, ...cleanMeta } = meta;
      const toCreate = { ...body, apiVersion: 'v1', kind: 'Event', metadata: { ...cleanMeta, name: evName, namespace: req.namespace } } as V1Event;
      try {
        ev = await env.client.create(RESOURCES.events, toCreate, callOpts(env));
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        if ((await storedOwn()) === undefined) return;
        ev = await env.client.patch(RESOURCES.events, req.namespace, evName, { count: body['count'] ?? 1, lastTimestamp: body['lastTimestamp'] ?? null }, { type: 'merge', ...callOpts(env) });
      }
    } else {
      if ((await storedOwn()) === undefined) return;
      const { metadata: _m, ...patch } = body;
      ev = await env.client.patch(RESOURCES.events, req.namespace, evName, patch, { type: op === Operation.Patch ? 'strategic' : 'merge', ...callOpts(env) });
    }
    env.reply(req, objectResp(ev), ev.metadata?.resourceVersion);
  } catch (err) {
    env.replyError(req, 'call', statusOf(err));
  }
}
