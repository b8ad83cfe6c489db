import { Group, WireErrorCode, isKnownOperation, tryParseFrame, type KubeEdgeMessage } from '../../api/index.js';
import { errorMessage } from '../../base/index.js';
import type { ModuleContext } from '../../beehive/index.js';
import { EdgeGroup } from '../common/index.js';
import type { Logger } from '../../platform/log/index.js';
import { BadMessageReason, ErrorSite, type EdgeHubMetrics } from './metrics.js';

/** Per-message limit on what the cloud sends (ADR 0005); bigger frames are dropped, not fatal. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Groups whose messages go to metamanager (facts §3.5: resource and func; meta for our own cloud). */
const TO_META: ReadonlySet<string> = new Set([Group.Resource, Group.Func, Group.Meta]);

export interface DownstreamDeps {
  readonly ctx: ModuleContext<KubeEdgeMessage>;
  readonly log: Logger;
  readonly metrics: EdgeHubMetrics;
  /** Settles the durable row a reply answers; true when there was one. May throw (SQLite). */
  readonly settle: (reply: KubeEdgeMessage) => boolean;
}

/** Decodes one frame from the cloud; a bad one is counted and dropped, the connection stays. */
export function decodeDownstream(data: string | Uint8Array, deps: Pick<DownstreamDeps, 'log' | 'metrics'>): KubeEdgeMessage | undefined {
  if (typeof data !== 'string') {
    deps.metrics.badMessages.inc({ reason: BadMessageReason.Binary });
    deps.log.debug({ bytes: data.byteLength }, 'binary frame from cloud dropped');
    return undefined;
  }
  const r = tryParseFrame(data, { maxBytes: MAX_MESSAGE_BYTES });
  if (!r.ok) {
    const reason = r.error.code === WireErrorCode.Oversized ? BadMessageReason.Oversized : BadMessageReason.Malformed;
    deps.metrics.badMessages.inc({ reason });
    deps.log.warn({ reason, err: r.error.message }, 'bad frame from cloud dropped');
    return undefined;
  }
  return r.value;
}

/**
 * Routes one downstream message (facts §3.5): a reply settles a durable row and/or resolves the sync call
 * waiting for it; resource/func/meta messages go to the meta group; twin and user are not handled yet.
 */
export function dispatchDownstream(msg: KubeEdgeMessage, deps: DownstreamDeps): void {
  const { route, header } = msg;
  if (header.parent_msg_id !== undefined && header.parent_msg_id !== '') {
    let settled = false;
    try {
      settled = deps.settle(msg);
    } catch (err) {
      // A store failure must not kill the connection (or the process): the row is resent and answered again.
      deps.metrics.errors.inc({ site: ErrorSite.Settle });
      deps.log.error({ err: errorMessage(err), parentMsgId: header.parent_msg_id, resource: route.resource }, 'cannot settle a durable report');
    }
    const waited = deps.ctx.respond(msg);
    if (!settled && !waited) deps.log.debug({ parentMsgId: header.parent_msg_id, resource: route.resource }, 'reply nobody waits for; dropped');
    return;
  }
  if (TO_META.has(route.group)) {
    if (!isKnownOperation(route.operation)) {
      deps.metrics.badMessages.inc({ reason: BadMessageReason.UnknownOperation });
      deps.log.warn({ operation: route.operation, resource: route.resource }, 'unknown operation from cloud dropped');
      return;
    }
    try {
      deps.ctx.sendToGroup(EdgeGroup.Meta, msg);
    } catch (err) {
      deps.log.warn({ err: errorMessage(err), msgId: header.msg_id, resource: route.resource }, 'cannot hand a cloud message to metamanager; dropped');
    }
    return;
  }
  deps.log.debug({ group: route.group, operation: route.operation, resource: route.resource }, 'cloud message for an unsupported group dropped');
}
