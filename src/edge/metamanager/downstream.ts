/**
 * Objects from the cloud (edgecontroller, synccontroller, cloudhub), as KubeEdge's metamanager
 * handles them: commit to `meta`, forward to edged, then ACK, so an ACKed object survives a crash and
 * reached edged (a message edged's inbox refused is not ACKed: the cloud resends it).
 */
import { Operation, ackFor, contentJson, parseObjectResource, type KubeEdgeMessage, type ObjectRef } from '../../api/index.js';
import { KeError, errorMessage } from '../../base/index.js';
import { EdgeModule } from '../common/index.js';
import type { MetaEnv } from './env.js';
import { deleteObject, isNamedObject, storeDownstream, uidOf } from './meta-store.js';

/** Types edged consumes. */
const FORWARD_TYPES: ReadonlySet<string> = new Set(['pod', 'configmap', 'secret', 'node']);

function objectContent(msg: KubeEdgeMessage): unknown {
  if (typeof msg.content !== 'string') return msg.content;
  try {
    return contentJson(msg);
  } catch {
    return undefined;
  }
}

export function handleDownstream(env: MetaEnv, msg: KubeEdgeMessage): void {
  const { log } = env;
  const op = msg.route.operation;
  if (op !== Operation.Insert && op !== Operation.Update && op !== Operation.Patch && op !== Operation.Delete) {
    log.debug({ op, resource: msg.route.resource, source: msg.route.source }, 'downstream operation ignored');
    return;
  }
  let ref: ObjectRef;
  try {
    ref = parseObjectResource(msg.route.resource);
  } catch {
    ref = { kind: 'object', namespace: '', resourceType: '' };
  }
  const name = ref.name;
  if (name === undefined) {
    env.badMessages.inc({ reason: 'resource' });
    log.warn({ resource: msg.route.resource, op }, 'downstream message without an object resource dropped');
    return;
  }
  const obj = objectContent(msg);
  if (!isNamedObject(obj)) {
    env.badMessages.inc({ reason: 'content' });
    log.warn({ resource: msg.route.resource, op }, 'downstream message without an object dropped');
    return;
  }
  const key = msg.route.resource;
  const type = ref.resourceType;
  let current: boolean;
  try {
    if (op === Operation.Delete) {
      current = deleteObject(env.db, key, ref.namespace, type, name, uidOf(obj));
      if (!current) log.info({ resource: key, uid: uidOf(obj) }, 'delete of an older incarnation; stored object kept');
    } else {
      current = storeDownstream(env.db, key, type, obj, msg.header.resourceversion);
      if (!current) log.info({ resource: key, op, uid: uidOf(obj), resourceVersion: msg.header.resourceversion }, 'older incarnation; stored object kept');
    }
  } catch (err) {
    // Not committed: no ACK, the cloud sends it again.
    log.error({ resource: key, op, err: errorMessage(err) }, 'downstream object not stored');
    return;
  }
  // A stale message is still ACKed: the cloud counts delivery per UID, and this incarnation is gone here.
  if (current && FORWARD_TYPES.has(type)) {
    try {
      env.ctx.send(EdgeModule.Edged, msg);
    } catch (err) {
      // Stored but edged never saw it: no ACK, so the cloud sends it again (and edged gets it then).
      env.forwardFailures.inc();
      log.warn({ resource: key, op, err: errorMessage(err), code: err instanceof KeError ? err.code : undefined }, 'downstream object not forwarded to edged; not ACKed');
      return;
    }
  }
  try {
    env.ctx.send(env.sendModule, ackFor(msg));
  } catch (err) {
    log.warn({ resource: key, op, err: errorMessage(err) }, 'downstream ACK not sent');
  }
}
