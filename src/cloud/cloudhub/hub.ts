/**
 * The session and queue logic of cloudhub, independent of the servers it runs behind: which upgrades
 * are accepted, one session per node, upstream dispatch, downstream queues with ACK, success points.
 */
import { randomUUID } from 'node:crypto';
import {
  encodeMessage,
  newMessage,
  NULL_NAMESPACE,
  Operation,
  parseCloudResource,
  responseTo,
  Source,
  toCloudResource,
  type KubeEdgeMessage,
} from '../../api/index.js';
import { errorMessage, type Clock } from '../../base/index.js';
import type { Logger } from '../../platform/log/index.js';
import type { FrameConnection, UpgradeDecision, UpgradeInfo } from '../../platform/transport/index.js';
import { CloudModule, isUnassign, withoutUnassignMark, type NodeEvent } from '../common/index.js';
import { kindOf, needsAck, notNewer, objectMeta } from './ack-policy.js';
import { NODE_CN_PREFIX } from './edge-cert-request.js';
import type { HubMetrics } from './metrics.js';
import { NodeQueue, type AckItem } from './node-queue.js';
import { NodeSession, type SessionEnd } from './session.js';
import { checkUpgrade } from './upgrade-check.js';
import { checkUpstream, forbiddenReply } from './upstream-check.js';

/** The part of SyncPoints (src/cloud/common/objectsync.ts) cloudhub uses. */
export interface SyncPointStore {
  acknowledged(nodeName: string, namespace: string | null, uid: string): string | undefined;
  save(nodeName: string, obj: { apiVersion: string; kind: string; namespace: string | null; name: string; uid: string; resourceVersion: string }): Promise<void>;
  remove(nodeName: string, namespace: string | null, uid: string): Promise<void>;
  /** Deletes every success point of the node (a fresh join); resolves to how many there were. */
  forgetNode?(nodeName: string, signal?: AbortSignal): Promise<number>;
}

export interface HubOptions {
  readonly nodeLimit: number;
  readonly keepaliveMs: number;
  readonly writeTimeoutMs: number;
  readonly maxMessageBytes: number;
  readonly authorize: boolean;
  readonly resendMs: number;
  readonly maxResends: number;
  readonly ackWindow: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: HubMetrics;
  readonly syncPoints: SyncPointStore;
  /** ctx.send: throws for unknown modules, full inboxes. */
  readonly send: (to: string, msg: KubeEdgeMessage) => void;
  /** ctx.respond: resolves a module's pending sendSync to this node; false when nobody waits. */
  readonly respond?: (reply: KubeEdgeMessage) => boolean;
  /** Cap on the waiting messages of a node without a session (text length); default DEFAULT_OFFLINE_QUEUE_BYTES. */
  readonly maxOfflineQueueBytes?: number;
  /** True when the node is known to be gone (deleted, or no longer an edge node); its queue is then freed. */
  readonly nodeGone?: (nodeId: string) => boolean;
}

/** 16 Mi UTF-16 units of queued text per offline node. */
export const DEFAULT_OFFLINE_QUEUE_BYTES = 16 * 1024 * 1024;

const MAX_NO_ACK = 10_000;

function toCloudResourceSafe(nodeId: string, resource: string): string {
  try {
    return toCloudResource(nodeId, resource);
  } catch {
    return resource;
  }
}

export class Hub {
  readonly #opts: HubOptions;
  readonly #sessions = new Map<string, NodeSession>();
  readonly #queues = new Map<string, NodeQueue>();

  constructor(opts: HubOptions) {
    this.#opts = opts;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  session(nodeId: string): NodeSession | undefined {
    return this.#sessions.get(nodeId);
  }

  queue(nodeId: string): NodeQueue {
    let q = this.#queues.get(nodeId);
    if (q === undefined) {
      q = new NodeQueue({
        clock: this.#opts.clock,
        resendMs: this.#opts.resendMs,
        maxResends: this.#opts.maxResends,
        window: this.#opts.ackWindow,
        maxNoAck: MAX_NO_ACK,
        maxOfflineBytes: this.#opts.maxOfflineQueueBytes ?? DEFAULT_OFFLINE_QUEUE_BYTES,
        onResend: () => this.#opts.metrics.resends.inc(),
        onWritten: () => this.#opts.metrics.messages.inc({ direction: 'downstream' }),
        onDropped: () => this.#opts.metrics.dropped.inc({ reason: 'offline-queue-full' }),
      });
      this.#queues.set(nodeId, q);
    }
    return q;
  }

  /** Nodes with a queue (connected or not). */
  get queueCount(): number {
    return this.#queues.size;
  }

  /**
   * The node was deleted or lost the edge label: its queue is freed now, or when its session ends
   * (a connected node still gets what is queued, such as the delete of its Node).
   */
  nodeRemoved(nodeId: string): void {
    if (this.#sessions.has(nodeId)) return;
    this.#freeQueue(nodeId);
  }

  #freeQueue(nodeId: string): void {
    const q = this.#queues.get(nodeId);
    if (q === undefined) return;
    q.clear();
    this.#queues.delete(nodeId);
    this.#opts.log.info({ node: nodeId }, 'queue of a removed node freed');
  }

  /** The upgrade check (upgrade-check.ts), logged and counted when refused. */
  readonly verifyUpgrade = (info: UpgradeInfo): UpgradeDecision => {
    const c = checkUpgrade(info, { connected: (n) => this.#sessions.has(n), sessions: this.#sessions.size, nodeLimit: this.#opts.nodeLimit });
    if (c.ok) return { ok: true };
    this.#opts.metrics.refused.inc({ reason: c.reason });
    this.#opts.log.warn({ remote: info.remote, cn: info.peerCommonName, path: info.path, reason: c.reason }, 'edge connection refused');
    return { ok: false, status: c.status, message: c.message };
  };

  /** A verified connection: it becomes the node's session, replacing an older one. */
  readonly accept = (conn: FrameConnection): void => {
    const nodeId = conn.peerCommonName.slice(NODE_CN_PREFIX.length);
    const old = this.#sessions.get(nodeId);
    if (old !== undefined) {
      this.#opts.log.info({ node: nodeId, old: old.id }, 'edge reconnected, closing the older session');
      this.#drop(old, 'replaced');
    }
    const session = new NodeSession({
      conn,
      nodeId,
      id: randomUUID(),
      clock: this.#opts.clock,
      keepaliveMs: this.#opts.keepaliveMs,
      writeTimeoutMs: this.#opts.writeTimeoutMs,
    });
    this.#sessions.set(nodeId, session);
    this.#opts.metrics.sessions.set(this.#sessions.size);
    conn.onFrame((data) => this.#upstream(session, data));
    conn.onClose((code) => {
      session.closed();
      if (this.#sessions.get(nodeId) !== session) return;
      this.#opts.log.info({ node: nodeId, session: session.id, code, why: session.end }, 'edge disconnected');
      this.#drop(session, session.end ?? 'closed');
    });
    this.#opts.log.info({ node: nodeId, session: session.id, remote: conn.remote }, 'edge connected');
    this.#nodeEvent(nodeId, session.id, 'connected');
    this.queue(nodeId).attach(session.write);
  };

  /** A message from a cloud module for `node/<id>/...`. */
  downstream(msg: KubeEdgeMessage): void {
    let nodeId: string;
    let edgeResource: string;
    let ref;
    try {
      const c = parseCloudResource(msg.route.resource);
      nodeId = c.nodeId;
      edgeResource = c.edgeResource;
      ref = c.ref;
    } catch (err) {
      this.#opts.log.warn({ resource: msg.route.resource, source: msg.route.source, err: errorMessage(err) }, 'downstream message without a node resource dropped');
      return;
    }
    const unassign = isUnassign(msg);
    if (!this.#sessions.has(nodeId) && this.#opts.nodeGone?.(nodeId) === true) {
      this.#freeQueue(nodeId);
      this.#opts.metrics.dropped.inc({ reason: 'node-gone' });
      return;
    }
    const text = encodeMessage({ ...withoutUnassignMark(msg), route: { ...msg.route, resource: edgeResource } });
    const objRef = ref?.kind === 'object' ? ref : undefined;
    if (objRef !== undefined && needsAck(msg, objRef)) {
      const meta = objectMeta(msg.content);
      if (meta.uid !== undefined) {
        const namespace = objRef.namespace === NULL_NAMESPACE ? null : objRef.namespace;
        const isDelete = msg.route.operation === Operation.Delete;
        const rv = msg.header.resourceversion ?? meta.resourceVersion;
        const queue = this.queue(nodeId);
        // while an unassign delete is on its way, what the node acknowledged is about to be gone
        if (!isDelete && !queue.unassignPending(meta.uid) && notNewer(rv, this.#acknowledged(nodeId, namespace, meta.uid))) {
          this.#opts.metrics.dropped.inc({ reason: 'stale' });
          this.#opts.log.debug({ node: nodeId, resource: edgeResource, rv }, 'node already has this version');
          return;
        }
        const item: AckItem = { uid: meta.uid, namespace, resourceType: objRef.resourceType, name: objRef.name ?? meta.name, msgId: msg.header.msg_id, text, resourceVersion: rv, isDelete, content: msg.content, ...(isDelete && unassign ? { unassign: true } : {}) };
        if (queue.enqueueAck(item) === 'stale') this.#opts.metrics.dropped.inc({ reason: 'stale' });
        return;
      }
      this.#opts.log.warn({ node: nodeId, resource: edgeResource, op: msg.route.operation }, 'object without uid sent without ACK tracking');
    }
    if (!this.queue(nodeId).enqueueNoAck(text)) {
      this.#opts.metrics.dropped.inc({ reason: this.#sessions.has(nodeId) ? 'queue-full' : 'offline' });
      this.#opts.log.debug({ node: nodeId, resource: edgeResource, op: msg.route.operation }, 'reply dropped, node not connected');
    }
  }

  /** Closes every session and forgets every queue (cloudhub stops). */
  shutdown(): void {
    for (const s of [...this.#sessions.values()]) this.#drop(s, 'shutdown', false);
    for (const q of this.#queues.values()) q.clear();
    this.#queues.clear();
  }

  #acknowledged(nodeId: string, namespace: string | null, uid: string): string | undefined {
    try {
      return this.#opts.syncPoints.acknowledged(nodeId, namespace, uid);
    } catch (err) {
      this.#opts.log.warn({ node: nodeId, uid, err: errorMessage(err) }, 'cannot read success point');
      return undefined;
    }
  }

  #drop(session: NodeSession, why: SessionEnd, announce = true): void {
    if (this.#sessions.get(session.nodeId) === session) {
      this.#sessions.delete(session.nodeId);
      this.#opts.metrics.sessions.set(this.#sessions.size);
      this.#queues.get(session.nodeId)?.detach();
      if (this.#opts.nodeGone?.(session.nodeId) === true) this.#freeQueue(session.nodeId);
      if (announce) this.#nodeEvent(session.nodeId, session.id, 'disconnected');
    }
    session.close(why);
  }

  #nodeEvent(nodeId: string, sessionId: string, type: 'connected' | 'disconnected'): void {
    const content: NodeEvent = { event_type: type, timestamp: this.#opts.clock.now(), client_id: sessionId };
    for (const to of [CloudModule.EdgeController, CloudModule.SyncController]) {
      const msg = newMessage({ source: Source.CloudHub, group: 'resource', operation: type, resource: `node/${nodeId}`, content });
      try {
        this.#opts.send(to, msg);
      } catch (err) {
        this.#opts.log.debug({ to, node: nodeId, event: type, err: errorMessage(err) }, 'node event not delivered');
      }
    }
  }

  #upstream(session: NodeSession, data: string | Uint8Array): void {
    session.touch();
    if (session.end !== undefined) return;
    const nodeId = session.nodeId;
    const log = this.#opts.log;
    const v = checkUpstream(data, nodeId, { maxBytes: this.#opts.maxMessageBytes, authorize: this.#opts.authorize });
    switch (v.kind) {
      case 'bad':
        this.#opts.metrics.badMessages.inc({ reason: v.reason });
        log.warn({ node: nodeId, reason: v.reason, detail: v.detail }, 'bad upstream message dropped');
        return;
      case 'shutdown':
        log.debug({ node: nodeId }, 'edge sent its shutdown frame');
        return;
      case 'keepalive':
        this.#opts.metrics.messages.inc({ direction: 'upstream' });
        return;
      case 'response': {
        this.#opts.metrics.messages.inc({ direction: 'upstream' });
        const parent = v.msg.header.parent_msg_id;
        const item = parent === undefined ? undefined : this.queue(nodeId).ack(parent);
        if (item === undefined) {
          // a reply to a cloud module's sendSync, else the edge's "OK" for a reply (nobody waits for those)
          if (this.#opts.respond?.({ ...v.msg, route: { ...v.msg.route, resource: toCloudResourceSafe(nodeId, v.msg.route.resource) } }) === true) return;
          log.debug({ node: nodeId, parent, resource: v.msg.route.resource }, 'edge response to no in-flight message dropped');
          return;
        }
        this.#recordSuccess(nodeId, item);
        return;
      }
      case 'error':
        this.#opts.metrics.messages.inc({ direction: 'upstream' });
        log.warn({ node: nodeId, parent: v.msg.header.parent_msg_id, resource: v.msg.route.resource }, 'edge reported an error');
        return;
      case 'ignored':
        this.#opts.metrics.messages.inc({ direction: 'upstream' });
        log.debug({ node: nodeId, resource: v.msg.route.resource, why: v.why }, 'upstream message ignored');
        return;
      case 'refused': {
        this.#opts.metrics.messages.inc({ direction: 'upstream' });
        this.#opts.metrics.refused.inc({ reason: v.reason });
        log.warn({ node: nodeId, op: v.msg.route.operation, resource: v.msg.route.resource, reason: v.reason }, 'upstream message refused');
        const reply = forbiddenReply(v.msg, nodeId, (content) => responseTo(v.msg, content, { source: Source.EdgeController, group: 'resource' }));
        this.queue(nodeId).enqueueNoAck(encodeMessage(reply));
        return;
      }
      case 'forward':
        this.#opts.metrics.messages.inc({ direction: 'upstream' });
        try {
          this.#opts.send(CloudModule.EdgeController, v.msg);
        } catch (err) {
          this.#opts.metrics.dropped.inc({ reason: 'upstream-undeliverable' });
          log.warn({ node: nodeId, resource: v.msg.route.resource, err: errorMessage(err) }, 'upstream message not delivered');
        }
        return;
    }
  }

  #recordSuccess(nodeId: string, item: AckItem): void {
    const fail = (op: 'save' | 'remove', err: unknown): void => {
      this.#opts.metrics.syncPointFailures.inc({ op });
      this.#opts.log.warn({ node: nodeId, uid: item.uid, op, err: errorMessage(err) }, 'cannot record success point');
    };
    if (item.isDelete) {
      this.#opts.syncPoints.remove(nodeId, item.namespace, item.uid).catch((err: unknown) => fail('remove', err));
      return;
    }
    const kind = kindOf(item.resourceType, item.content);
    if (kind === undefined || item.name === undefined || item.resourceVersion === undefined) {
      this.#opts.log.debug({ node: nodeId, uid: item.uid, type: item.resourceType }, 'acknowledged object has no kind, name or version; no success point');
      return;
    }
    const obj = { ...kind, namespace: item.namespace, name: item.name, uid: item.uid, resourceVersion: item.resourceVersion };
    try {
      this.#opts.syncPoints.save(nodeId, obj).catch((err: unknown) => fail('save', err));
    } catch (err) {
      fail('save', err);
    }
  }
}
