/**
 * Requests from edged, by KubeEdge's rules (facts §4.2):
 *   query: fetched from the cloud when connected for the remote types (configmap/secret results are
 *     stored), else, or when the cloud call fails, answered from `meta`; pods always from `meta`.
 *   insert/update/delete/patch: remote only; offline ⇒ `connection lost` at once.
 *   podpatch/nodepatch patches and podstatus updates: stored, handed to edgehub (which keeps them
 *     durable until the cloud answers), and answered OK.
 */
import {
  CLUSTER_CA_RESOURCE,
  Operation,
  contentText,
  errorTo,
  newMessage,
  parseObjectResource,
  responseTo,
  type KubeEdgeMessage,
  type NewMessageInit,
  type ObjectRef,
} from '../../api/index.js';
import { errorMessage, isJsonObject } from '../../base/index.js';
import type { MetaEnv } from './env.js';
import { META_SOURCE } from './env.js';
import { isNamedObject, parseValue, storeFetched } from './meta-store.js';
import { notFoundContent } from './not-found.js';

/** Types fetched from the cloud when connected. */
const REMOTE_QUERY_TYPES: ReadonlySet<string> = new Set([
  'configmap',
  'secret',
  'serviceaccounttoken',
  'lease',
  'node',
  'persistentvolume',
  'persistentvolumeclaim',
  'volumeattachment',
  'certificatesigningrequest',
]);
/** Types whose fetched objects are kept for offline use. */
const STORED_QUERY_TYPES: ReadonlySet<string> = new Set(['configmap', 'secret']);
/** The Node the cloud returns for edged's registration is kept too (the metaserver serves it offline). */
const STORED_WRITE_TYPES: ReadonlySet<string> = new Set(['node']);
export const CONNECTION_LOST = 'connection lost';

interface Target {
  readonly key: string;
  readonly type: string;
  readonly namespace: string;
  readonly name: string | undefined;
}

function targetOf(resource: string): Target | undefined {
  if (resource === CLUSTER_CA_RESOURCE) return { key: resource, type: resource, namespace: '', name: 'ca.crt' };
  let ref: ObjectRef;
  try {
    ref = parseObjectResource(resource);
  } catch {
    return undefined;
  }
  return { key: resource, type: ref.resourceType, namespace: ref.namespace, name: ref.name };
}

function isReport(op: string, type: string): boolean {
  return (op === Operation.Patch && (type === 'podpatch' || type === 'nodepatch')) || (op === Operation.Update && type === 'podstatus');
}

function reply(env: MetaEnv, msg: KubeEdgeMessage, out: KubeEdgeMessage): void {
  if (!env.ctx.respond(out)) env.log.debug({ resource: msg.route.resource, op: msg.route.operation }, 'nobody waits for this reply');
}

export function handleFromEdged(env: MetaEnv, msg: KubeEdgeMessage): void {
  const op = msg.route.operation;
  const target = targetOf(msg.route.resource);
  if (target === undefined) {
    env.badMessages.inc({ reason: 'resource' });
    env.log.warn({ resource: msg.route.resource, op }, 'edged message with a bad resource');
    reply(env, msg, errorTo(msg, `bad resource ${msg.route.resource}`, { source: META_SOURCE }));
    return;
  }
  if (op === Operation.Query) {
    const remote = REMOTE_QUERY_TYPES.has(target.type) || target.type === CLUSTER_CA_RESOURCE;
    if (remote && env.isConnected()) {
      env.runner.submit(target.key, () => remoteCall(env, msg, target, true));
    } else {
      answerLocal(env, msg, target);
    }
    return;
  }
  if (isReport(op, target.type)) {
    handleReport(env, msg, target);
    return;
  }
  if (op === Operation.Insert || op === Operation.Update || op === Operation.Delete || op === Operation.Patch) {
    if (!env.isConnected()) {
      reply(env, msg, errorTo(msg, CONNECTION_LOST, { source: META_SOURCE }));
      return;
    }
    env.runner.submit(target.key, () => remoteCall(env, msg, target, false));
    return;
  }
  env.log.debug({ resource: msg.route.resource, op }, 'edged operation ignored');
}

/** From SQLite: the row by key, or every row of the type (pods: of every namespace) when no name. */
export function answerLocal(env: MetaEnv, msg: KubeEdgeMessage, t: Target): void {
  let content: unknown;
  try {
    if (t.name !== undefined) {
      const row = env.db.meta.get(t.key);
      const value = row === undefined ? undefined : parseValue(row);
      content = value === undefined ? notFoundContent(t.type, t.name) : value;
    } else {
      const rows = t.type === 'pod' ? env.db.meta.listByType('pod') : env.db.meta.listByType(t.type, t.namespace);
      content = rows.map(parseValue).filter((v) => v !== undefined);
    }
  } catch (err) {
    env.log.error({ resource: t.key, err: errorMessage(err) }, 'local query failed');
    reply(env, msg, errorTo(msg, errorMessage(err), { source: META_SOURCE }));
    return;
  }
  reply(env, msg, responseTo(msg, content, { source: META_SOURCE }));
}

function handleReport(env: MetaEnv, msg: KubeEdgeMessage, t: Target): void {
  try {
    env.db.meta.put({ key: t.key, type: t.type, value: contentText(msg) });
  } catch (err) {
    env.log.error({ resource: t.key, err: errorMessage(err) }, 'status report not stored');
  }
  try {
    env.ctx.send(env.sendModule, msg);
  } catch (err) {
    env.log.warn({ resource: t.key, err: errorMessage(err) }, 'status report not handed to edgehub');
    reply(env, msg, errorTo(msg, errorMessage(err), { source: META_SOURCE }));
    return;
  }
  // Answers a sendSync; for a plain send nobody waits and this is a no-op.
  env.ctx.respond(responseTo(msg, 'OK', { source: META_SOURCE }));
}

async function remoteCall(env: MetaEnv, msg: KubeEdgeMessage, t: Target, isQuery: boolean): Promise<void> {
  const init: NewMessageInit<unknown> = {
    source: msg.route.source,
    group: msg.route.group,
    operation: msg.route.operation,
    resource: msg.route.resource,
    content: msg.content,
    // beehive SendSync marks the message; edgehub answers such calls at once while offline.
    sync: true,
  };
  let answer: KubeEdgeMessage;
  try {
    answer = await env.ctx.sendSync(env.sendModule, newMessage(init), env.remoteTimeoutMs);
  } catch (err) {
    if (env.ctx.signal.aborted) return;
    env.log.info({ resource: t.key, op: msg.route.operation, err: errorMessage(err) }, 'remote call failed');
    if (isQuery) answerLocal(env, msg, t);
    else reply(env, msg, errorTo(msg, errorMessage(err), { source: META_SOURCE }));
    return;
  }
  if (answer.route.operation === Operation.Error) {
    env.log.info({ resource: t.key, op: msg.route.operation, err: contentText(answer) }, 'remote call answered with an error');
    if (isQuery) answerLocal(env, msg, t);
    else reply(env, msg, errorTo(msg, contentText(answer), { source: META_SOURCE }));
    return;
  }
  const stored = isQuery ? STORED_QUERY_TYPES.has(t.type) : STORED_WRITE_TYPES.has(t.type) && msg.route.operation === Operation.Insert;
  // Query answers are the object; write answers wrap it as {Object, Err}.
  const obj = !isQuery && isJsonObject(answer.content) ? answer.content['Object'] : answer.content;
  if (stored && isNamedObject(obj) && !isJsonObject(obj['ErrStatus'])) {
    try {
      storeFetched(env.db, t.key, t.type, obj);
    } catch (err) {
      env.log.warn({ resource: t.key, err: errorMessage(err) }, 'fetched object not stored');
    }
  }
  const rv = answer.header.resourceversion;
  reply(env, msg, responseTo(msg, answer.content, rv === undefined ? { source: META_SOURCE } : { source: META_SOURCE, resourceVersion: rv }));
}
