import { encodeMessage, errorTo, type KubeEdgeMessage } from '../../api/index.js';
import { errorMessage, type Clock } from '../../base/index.js';
import type { ModuleContext } from '../../beehive/index.js';
import type { Logger } from '../../platform/log/index.js';
import type { UpstreamQueue } from '../../platform/store/edge-db-types.js';
import type { EdgeHubMetrics } from './metrics.js';
import { ReplyVerdict, classifyReply, isTransient } from './reply-verdict.js';
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

/** The last durable row sent for one coalescing key. */
interface InFlight {
  readonly msgId: string;
  /** When it was sent (clock ms); it is sent again RESEND_AFTER_MS later unless answered for good. */
  readonly sentAt: number;
  /** The cloud answered it with a failure that keeps the row (it is done in the cloud, but not applied). */
  answered: boolean;
}

/**
 * Everything edgehub sends up: inbox messages (live, rate limited, answered `connection lost` when sync and
 * offline, dropped when neither sync nor durable) and the durable queue (status reports kept in SQLite
 * until the cloud accepts or finally refuses them, sent oldest first, resent when unanswered for 30 s).
 * At most one report per key is in flight: a newer report of the key waits for the older one's answer
 * (or its resend time), so two patches of one object never race in the cloud.
 */
export class UpstreamSender {
  /** key → the row of that key sent on the current connection and not yet answered for good. */
  private readonly inflight = new Map<string, InFlight>();
  /** msg_id → key, for the rows in `inflight`. */
  private readonly keyOf = new Map<string, string>();
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
   * A reply from the cloud. When it answers a durable row: success and final refusals (400, 403, 404,
   * 409, 422) remove the row; any other failure (5xx, 429, timeout, ...) keeps it for a resend
   * RESEND_AFTER_MS after it was sent. Either way the key's newer row, if any, may go now.
   * Returns true when the reply answered a durable row. Throws what the queue throws (SQLite).
   */
  settle(reply: KubeEdgeMessage): boolean {
    const parent = reply.header.parent_msg_id;
    if (parent === undefined || parent === '') return false;
    const key = this.keyOf.get(parent);
    const entry = key === undefined ? undefined : this.inflight.get(key);
    const mine = key !== undefined && entry?.msgId === parent;
    const outcome = classifyReply(reply);
    const fields = { msgId: parent, resource: reply.route.resource, code: outcome.code, reason: outcome.message };
    if (outcome.verdict === ReplyVerdict.Retry) {
      if (!mine) return false;
      entry.answered = true;
      if (isTransient(outcome)) this.deps.log.info(fields, 'cloud failed a status report for now; it stays queued');
      else this.deps.log.warn(fields, 'cloud failed a status report for an unknown reason; it stays queued');
      this.kick();
      return true;
    }
    let removed: boolean;
    try {
      removed = this.deps.queue.ackByMsgId(parent);
    } finally {
      this.keyOf.delete(parent);
      if (mine) this.inflight.delete(key);
    }
    if (!removed && !mine) return false;
    this.acked.add(parent);
    if (outcome.verdict === ReplyVerdict.Rejected) this.deps.log.warn(fields, 'cloud refused a status report; dropped from the queue');
    else this.deps.log.debug({ msgId: parent, resource: reply.route.resource }, 'status report answered');
    if (mine) this.kick();
    return true;
  }

  /** Connection established: forget what was in flight on the old one and flush the queue. */
  onConnected(): void {
    this.inflight.clear();
    this.keyOf.clear();
    this.kick();
  }

  /** How many keys have a row in flight (sent on this connection, not answered for good). */
  inFlightCount(): number {
    return this.inflight.size;
  }

  /**
   * Sends queued rows, oldest first, skipping a row while its key has a row in flight: the same row
   * until its resend is due, an older row until it is answered or its resend is due.
   */
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
        // A kick that came after the last pass read the queue (but before this ran) must not be lost.
        if (this.pumpAgain) this.kick();
      });
  }

  /** When the next durable row becomes due for a resend (ms from now), undefined if none is in flight. */
  nextResendInMs(): number | undefined {
    let oldest: number | undefined;
    for (const { sentAt } of this.inflight.values()) if (oldest === undefined || sentAt < oldest) oldest = sentAt;
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
        if (this.acked.has(row.msgId) || this.waiting(row.key, row.msgId)) continue;
        await deps.bucket.take(deps.signal);
        if (deps.session() !== session || !session.open || this.acked.has(row.msgId) || this.waiting(row.key, row.msgId)) continue;
        const previous = this.inflight.get(row.key);
        if (previous !== undefined) this.keyOf.delete(previous.msgId);
        this.inflight.set(row.key, { msgId: row.msgId, sentAt: deps.clock.now(), answered: false });
        this.keyOf.set(row.msgId, row.key);
        await session.send(row.frame);
      }
    } while (this.pumpAgain);
  }

  /** True when the row `msgId` of `key` must not be sent yet. */
  private waiting(key: string, msgId: string): boolean {
    const f = this.inflight.get(key);
    if (f === undefined || this.deps.clock.now() - f.sentAt >= RESEND_AFTER_MS) return false;
    // The same row waits for its resend time; a newer one waits while the older is unanswered.
    return f.msgId === msgId || !f.answered;
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
