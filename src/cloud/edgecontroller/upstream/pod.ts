/**
 * Pod requests from edged: status patch (podpatch), legacy status update (podstatus), delete and
 * podlist. Every one is checked first: the pod must be bound to the requesting node.
 */
import { contentText, Operation, ResourceType } from '../../../api/index.js';
import { isJsonObject, type JsonObject } from '../../../base/index.js';
import { RESOURCES, isConflict, isNotFound, type DeleteOptions, type V1Pod } from '../../../kube/client/index.js';
import { downstreamMessage } from '../downstream.js';
import { StatusReason, kubeStatus, notFoundStatus, objectResp, statusOf, type ReplyShape } from '../replies.js';
import { callOpts, jsonContent, type UpstreamEnv, type UpstreamRequest } from './context.js';

export const RefuseReason = {
  PodNotOnNode: 'pod-not-on-node',
} as const;

/** The pod from the cache, else from the API; undefined when it does not exist. Throws other API errors. */
export async function findPod(env: UpstreamEnv, namespace: string, name: string): Promise<V1Pod | undefined> {
  const cached = env.pods.get(namespace, name);
  if (cached !== undefined) return cached;
  try {
    return await env.client.get(RESOURCES.pods, namespace, name, callOpts(env));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** findPod for a request: an API error is answered (in `shape`) and gives undefined; else `{ pod }`, pod undefined when it does not exist. */
async function lookupPod(req: UpstreamRequest, env: UpstreamEnv, name: string, shape: ReplyShape): Promise<{ pod: V1Pod | undefined } | undefined> {
  try {
    return { pod: await findPod(env, req.namespace, name) };
  } catch (err) {
    env.replyError(req, shape, statusOf(err));
    return undefined;
  }
}

/** The pod, if it is bound to the request's node; otherwise answers (404 / 403) and returns undefined. */
async function ownPod(req: UpstreamRequest, env: UpstreamEnv, name: string, shape: ReplyShape): Promise<V1Pod | undefined> {
  const found = await lookupPod(req, env, name, shape);
  if (found === undefined) return undefined;
  const { pod } = found;
  if (pod === undefined) {
    env.replyError(req, shape, notFoundStatus('pods', '', name));
    return undefined;
  }
  if (pod.spec?.nodeName !== req.nodeId) {
    env.refuse(req, shape, RefuseReason.PodNotOnNode, `pod ${req.namespace}/${name} is not bound to node ${req.nodeId}`);
    return undefined;
  }
  return pod;
}

/** metadata.uid of a patch body, when it names one. */
function patchUid(patch: unknown): string | undefined {
  const meta = isJsonObject(patch) ? patch['metadata'] : undefined;
  const uid = isJsonObject(meta) ? meta['uid'] : undefined;
  return typeof uid === 'string' && uid !== '' ? uid : undefined;
}

/**
 * podpatch: a status patch from edged. A patch naming another UID than the pod's is a late report of
 * an older pod of that name and is refused (409), so it cannot overwrite the new pod's status.
 */
export async function patchPodStatus(req: UpstreamRequest, env: UpstreamEnv, name: string): Promise<void> {
  const text = contentText(req.msg);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    env.unsupported(req, 'call', 400, 'bad-body', 'podpatch: the content is not a JSON patch');
    return;
  }
  const pod = await ownPod(req, env, name, 'call');
  if (pod === undefined) return;
  const uid = patchUid(parsed);
  const current = pod.metadata?.uid;
  if (uid !== undefined && uid !== current) {
    const message = `Operation cannot be fulfilled on pods "${name}": the patch is for UID ${uid}, the pod has UID ${current ?? ''}`;
    env.replyError(req, 'call', kubeStatus(409, StatusReason.Conflict, message, { name, kind: 'pods', ...(current === undefined ? {} : { uid: current }) }));
    return;
  }
  try {
    const pod = await env.client.patch(RESOURCES.pods, req.namespace, name, text, { type: 'strategic', subresource: 'status', ...callOpts(env) });
    env.reply(req, objectResp(pod), pod.metadata?.resourceVersion);
  } catch (err) {
    env.replyError(req, 'call', statusOf(err));
  }
}

function field(obj: JsonObject, name: string): unknown {
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : obj[key];
}

/**
 * Legacy podstatus update: content one PodStatusRequest `{UID, Name, Status}` (or a list of them).
 * A pod that is gone (or replaced: other UID) is answered "OK" and deleted on the edge.
 */
export async function updatePodStatus(req: UpstreamRequest, env: UpstreamEnv): Promise<void> {
  const body = jsonContent(req);
  const items = Array.isArray(body) ? body : [body];
  for (const item of items) {
    if (!isJsonObject(item)) {
      env.unsupported(req, 'call', 400, 'bad-body', 'podstatus: the content is not a PodStatusRequest');
      return;
    }
  }
  for (const item of items as JsonObject[]) {
    const name = field(item, 'name');
    const uid = field(item, 'uid');
    const status = field(item, 'status');
    if (typeof name !== 'string' || !isJsonObject(status)) continue;
    const found = await lookupPod(req, env, name, 'call');
    if (found === undefined) return;
    const { pod } = found;
    if (pod === undefined || (typeof uid === 'string' && uid !== '' && pod.metadata?.uid !== uid)) {
      const stub: V1Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: req.namespace, ...(typeof uid === 'string' && uid !== '' ? { uid } : {}) } };
      env.sendDownstream(downstreamMessage(req.nodeId, Operation.Delete, ResourceType.Pod, stub));
      continue;
    }
    if (pod.spec?.nodeName !== req.nodeId) {
      env.refuse(req, 'call', RefuseReason.PodNotOnNode, `pod ${req.namespace}/${name} is not bound to node ${req.nodeId}`);
      return;
    }
    try {
      await env.client.patch(RESOURCES.pods, req.namespace, name, { status }, { type: 'merge', subresource: 'status', ...callOpts(env) });
    } catch (err) {
      env.replyError(req, 'call', statusOf(err));
      return;
    }
  }
  env.reply(req, 'OK');
}

function deleteOptions(req: UpstreamRequest): DeleteOptions | undefined {
  const c = req.msg.content;
  // older edges send only the pod UID: delete now, on that UID
  if (typeof c === 'string' && !c.trimStart().startsWith('{')) return { gracePeriodSeconds: 0, preconditions: { uid: c } };
  const body = jsonContent(req); // undefined when not JSON
  if (body === null) return {};
  if (!isJsonObject(body)) return undefined;
  const opts: { gracePeriodSeconds?: number; preconditions?: { uid?: string; resourceVersion?: string } } = {};
  const grace = field(body, 'graceperiodseconds');
  if (typeof grace === 'number') opts.gracePeriodSeconds = grace;
  const pre = field(body, 'preconditions');
  if (isJsonObject(pre)) {
    const uid = field(pre, 'uid');
    const rv = field(pre, 'resourceversion');
    opts.preconditions = { ...(typeof uid === 'string' ? { uid } : {}), ...(typeof rv === 'string' ? { resourceVersion: rv } : {}) };
  }
  return opts;
}

/** The edge removes a pod it finished terminating: delete it with the edge's options; "OK" also when it is already gone. */
export async function deletePod(req: UpstreamRequest, env: UpstreamEnv, name: string): Promise<void> {
  const opts = deleteOptions(req);
  if (opts === undefined) {
    env.unsupported(req, 'call', 400, 'bad-body', 'pod delete: the content is not DeleteOptions');
    return;
  }
  const found = await lookupPod(req, env, name, 'call');
  if (found === undefined) return;
  const { pod } = found;
  if (pod === undefined) {
    env.reply(req, 'OK');
    return;
  }
  if (pod.spec?.nodeName !== req.nodeId) {
    env.refuse(req, 'call', RefuseReason.PodNotOnNode, `pod ${req.namespace}/${name} is not bound to node ${req.nodeId}`);
    return;
  }
  // the pod checked above, not a newer one that took its name meanwhile
  const podUid = pod.metadata?.uid;
  const withUid: DeleteOptions =
    opts.preconditions?.uid === undefined && podUid !== undefined && podUid !== '' ? { ...opts, preconditions: { ...opts.preconditions, uid: podUid } } : opts;
  try {
    await env.client.delete(RESOURCES.pods, req.namespace, name, { ...withUid, ...callOpts(env) });
  } catch (err) {
    // gone already, or the name now holds a newer pod (UID precondition): nothing of ours to delete
    if (!isNotFound(err) && !isConflict(err)) {
      env.replyError(req, 'call', statusOf(err));
      return;
    }
  }
  env.reply(req, 'OK');
}

/** podlist: the pods bound to this node (in the namespace, unless it is `null`). */
export function queryPodList(req: UpstreamRequest, env: UpstreamEnv): void {
  const all = req.namespace === 'null' || req.namespace === '';
  const pods = env.podsOn(req.nodeId).filter((p) => all || p.metadata?.namespace === req.namespace);
  env.reply(req, pods.map((p) => ({ ...p, apiVersion: 'v1', kind: 'Pod' })));
}
