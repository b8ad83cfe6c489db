import { Operation, type KubeEdgeMessage } from '../../api/index.js';
import { isJsonObject } from '../../base/index.js';

/** What the cloud's answer to a durable status report means for its queue row. */
export const ReplyVerdict = {
  /** Accepted: the row leaves the queue. */
  Ok: 'ok',
  /** Refused for good (400, 403, 404, 409, 422): the row leaves the queue, the refusal is logged. */
  Rejected: 'rejected',
  /** Failed for now (5xx, 429, timeout, lost connection) or for an unknown reason: the row stays and is resent. */
  Retry: 'retry',
} as const;
export type ReplyVerdict = (typeof ReplyVerdict)[keyof typeof ReplyVerdict];

export interface ReplyOutcome {
  readonly verdict: ReplyVerdict;
  /** The Status code, when the answer carried one. */
  readonly code: number | undefined;
  /** The Status message or the error text ('' when none). */
  readonly message: string;
}

/** Status codes that will not change by sending the same report again. */
const FINAL_CODES: ReadonlySet<number> = new Set([400, 403, 404, 409, 422]);
/** Error texts of a failure that may pass (the cloud or its API did not answer in time, the link dropped). */
const TRANSIENT_TEXT = /timeout|timed out|deadline exceeded|connection lost|connection refused|connection reset|unavailable|try again/i;

/** The Status of an answer: `{"ErrStatus"}`, `{"Object", "Err": {"ErrStatus"}}` or `{"Err": <Status>}`. */
function statusOf(content: unknown): { code: number | undefined; message: string } | undefined {
  if (!isJsonObject(content)) return undefined;
  let st: unknown = content['ErrStatus'];
  if (st === undefined || st === null) {
    const err = content['Err'];
    if (err === undefined || err === null) return undefined;
    st = isJsonObject(err) && isJsonObject(err['ErrStatus']) ? err['ErrStatus'] : err;
  }
  if (!isJsonObject(st)) return { code: undefined, message: typeof st === 'string' ? st : '' };
  const code = typeof st['code'] === 'number' ? st['code'] : undefined;
  const message = typeof st['message'] === 'string' ? st['message'] : typeof st['reason'] === 'string' ? st['reason'] : '';
  return { code, message };
}

function failure(code: number | undefined, message: string): ReplyOutcome {
  return { verdict: code !== undefined && FINAL_CODES.has(code) ? ReplyVerdict.Rejected : ReplyVerdict.Retry, code, message };
}

/**
 * Classifies the cloud's answer to a durable report. Only the listed final codes drop a report; a 5xx,
 * a 429, a timeout or lost-connection text, and any failure that cannot be classified keep it queued.
 */
export function classifyReply(reply: KubeEdgeMessage): ReplyOutcome {
  if (reply.route.operation === Operation.Error) {
    const text = typeof reply.content === 'string' ? reply.content : JSON.stringify(reply.content);
    const st = statusOf(reply.content);
    return failure(st?.code, st?.message ?? text);
  }
  const st = statusOf(reply.content);
  if (st === undefined) return { verdict: ReplyVerdict.Ok, code: undefined, message: '' };
  return failure(st.code, st.message);
}

/** True for failures that are expected to pass (5xx, 429, timeout or lost-connection texts). */
export function isTransient(outcome: ReplyOutcome): boolean {
  if (outcome.verdict !== ReplyVerdict.Retry) return false;
  if (outcome.code !== undefined) return outcome.code >= 500 || outcome.code === 429;
  return TRANSIENT_TEXT.test(outcome.message);
}
