import { encodeMessage, errorTo, type KubeEdgeMessage } from '../../api/index.js';
import { errorMessage, isJsonObject, type Clock } from '../../base/index.js';
import type { ModuleContext } from '../../beehive/index.js';
import type { Logger } from '../../platform/log/index.js';
import type { UpstreamQueue } from '../../platform/store/edge-db-types.js';
import type { EdgeHubMetrics } from './metrics.js';
import type { HubSession } from './session.js';
import type { TokenBucket } from './token-bucket.js';
import { durableKey } from './upstream-kind.js';

/** A durable row unanswered this long is sent again. */
export const RESEND_AFTER_MS = 30_000;
/** The answer a sync caller gets at once while the link is down (KubeEdge's text). */
export const CONNECTION_LOST = 'connection lost';
/** Rows read from the durable queue per pass (the queue is coalesced per object, so it stays small). */
const PEEK_LIMIT = 10_000;

export interface UpstreamDeps {
  readonly ctx: ModuleContext<KubeEdgeMessage>;
  readonly queue: UpstreamQueue;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: EdgeHubMetrics;
  readonly bucket: TokenBucket;
  readonly signal: AbortSignal;
  /** The live session, if any. */
  readonly session: () => HubSession | undefined;
}

/**
 * Everything edgehub sends up: inbox messages (live, rate limited, answered `connection lost` when sync and
 * offline, dropped when neither sync nor durable) and the durable queue (status reports kept in SQLite
 * until the cloud answers, sent oldest first, resent when unanswered for 30 s).
 */
export class UpstreamSender {
  /** msg_id → when it was last sent, for durable rows sent on the current connection. */
  private readonly inflight = new Map<string, number>();
  /** Rows answered since the last read of the queue. */
  private readonly acked = new Set<string>();
  private pumping = false;
  private pumpAgain = false;

  constructor(private readonly deps: UpstreamDeps) {}

  /** One message from the inbox. */
  async handle(msg: KubeEdgeMessage): Promise<void> {
    const { deps } = this;
    const key = durableKey(msg);
    if (key !== undefined) {
      deps.queue.put(key, msg.header.msg_id, encodeMessage(msg), deps.clock.now());
      if (msg.header.sync === true && deps.session()?.open !== true) this.answerOffline(msg);
      this.kick();
      return;
    }
    if (deps.session()?.open !== true) {
      this.offline(msg);
      return;
    }
    await deps.bucket.take(deps.signal);
    const session = deps.session();
    if (session?.open !== true) {
      this.offline(msg);
      return;
    }
    try {
      await session.send(encodeMessage(msg));
    } catch (err) {
      deps.log.debug({ err: errorMessage(err), msgId: msg.header.msg_id }, 'upstream send failed');
      this.offline(msg);
    }
  }

  /**
   * A reply from the cloud: if it answers a durable row, that row leaves the queue (whatever the answer:
   * an error reply is final). Returns true when it did.
   */
  settle(reply: KubeEdgeMessage): boolean {
    const parent = reply.header.parent_msg_id;
    if (parent === undefined || !this.deps.queue.ackByMsgId(parent)) return false;
    this.inflight.delete(parent);
    this.acked.add(parent);
    const failed = reply.route.operation === 'error' || (isJsonObject(reply.content) && reply.content['Err'] !== undefined && reply.content['Err'] !== null);
    if (failed) this.deps.log.warn({ msgId: parent, resource: reply.route.resource }, 'cloud refused a status report; dropped from the queue');
    else this.deps.log.debug({ msgId: parent, resource: reply.route.resource }, 'status report answered');
    return true;
  }

  /** Connection established: forget what was in flight on the old one and flush the queue. */
  onConnected(): void {
    this.inflight.clear();
    this.kick();
  }

  /** Sends queued rows that are not in flight (or whose answer is overdue), oldest first. */
  kick(): void {
    if (this.deps.session()?.open !== true) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.pump()
      .catch((err: unknown) => {
        if (!this.deps.signal.aborted) this.deps.log.debug({ err: errorMessage(err) }, 'upstream queue flush interrupted');
      })
      .finally(() => {
        this.pumping = false;
      });
  }

  /** When the next durable row becomes due for a resend (ms from now), undefined if none is in flight. */
  nextResendInMs(): number | undefined {
    let oldest: number | undefined;
    for (const at of this.inflight.values()) if (oldest === undefined || at < oldest) oldest = at;
    return oldest === undefined ? undefined : Math.max(0, oldest + RESEND_AFTER_MS - this.deps.clock.now());
  }

  private async pump(): Promise<void> {
    const { deps } = this;
    do {
      this.pumpAgain = false;
      this.acked.clear();
      const rows = deps.queue.peek(PEEK_LIMIT);
      for (const row of rows) {
        const session = deps.session();
        if (session?.open !== true) return;
        const sentAt = this.inflight.get(row.msgId);
        if (sentAt !== undefined && deps.clock.now() - sentAt < RESEND_AFTER_MS) continue;
        if (this.acked.has(row.msgId)) continue;
        await deps.bucket.take(deps.signal);
        if (deps.session() !== session || !session.open || this.acked.has(row.msgId)) continue;
        this.inflight.set(row.msgId, deps.clock.now());
        await session.send(row.frame);
      }
    } while (this.pumpAgain);
  }

  private offline(msg: KubeEdgeMessage): void {
    if (msg.header.sync === true) {
      this.answerOffline(msg);
      return;
    }
    this.deps.metrics.dropped.inc();
    this.deps.log.debug({ msgId: msg.header.msg_id, resource: msg.route.resource, operation: msg.route.operation }, 'not connected; upstream message dropped');
  }

  private answerOffline(msg: KubeEdgeMessage): void {
    this.deps.ctx.respond(errorTo(msg, CONNECTION_LOST));
  }
}
